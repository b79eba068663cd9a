import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ActivityHandler } from 'botbuilder';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Config } from '../../config.js';

export interface BotFrameworkOptions {
  credentials: Config['botFramework'];
  bot: ActivityHandler;
}

/**
 * `POST /api/messages` for Azure Bot Service (Teams, Microsoft's Web Chat, ...), through
 * botbuilder's CloudAdapter and its standard authentication: every request must carry a token
 * Bot Framework signed for this app id.
 */
const botFrameworkMessages: FastifyPluginAsync<BotFrameworkOptions> = async (app, { credentials, bot }) => {
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: credentials.appId,
      MicrosoftAppPassword: credentials.appPassword,
      MicrosoftAppType: credentials.appType,
      MicrosoftAppTenantId: credentials.tenantId,
    }),
  );
  adapter.onTurnError = async (context, error) => {
    app.log.error({ err: error, channel: context.activity.channelId }, 'bot turn failed');
  };

  app.post('/api/messages', async (request, reply) => {
    await adapter.process({ body: request.body as Record<string, unknown>, headers: request.headers, method: request.method }, restifyLike(reply), (context) => bot.run(context));
    return reply;
  });
};

/** The small response interface CloudAdapter writes to (Express/Restify style), over Fastify's reply. */
function restifyLike(reply: FastifyReply) {
  return {
    socket: reply.raw.socket,
    status: (code: number) => reply.status(code),
    header: (name: string, value: unknown) => reply.header(name, value),
    send: (body?: unknown) => reply.send(body),
    end: () => {
      if (!reply.sent) reply.send();
    },
  };
}

export default botFrameworkMessages;
