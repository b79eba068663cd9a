import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import type { ActivityHandler, Activity } from 'botbuilder';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { RahnamaError } from '../../errors.js';
import type { WebChatAdapter } from './adapter.js';
import { WEBCHAT_CHANNEL_ID } from './adapter.js';
import type { ConversationStore } from './conversations.js';
import type { ConversationTokens } from './tokens.js';

export interface DirectLineOptions {
  tokens: ConversationTokens;
  conversations: ConversationStore;
  adapter: WebChatAdapter;
  bot: ActivityHandler;
  /** Longest message text accepted, in characters. */
  maxQuestionLength: number;
  /** Requests per client IP and minute. */
  rateLimitMax: number;
}

interface ConversationParams {
  conversationId: string;
}

const BOT = { id: 'rahnama', name: 'Rahnama', role: 'bot' };

/**
 * The Direct Line 3.0 subset the web chat needs, served by Fastify: tokens, starting a
 * conversation, posting activities and reading them by watermark. Every conversation route
 * checks that the bearer token names that conversation.
 */
const directLine: FastifyPluginAsync<DirectLineOptions> = async (app, opts) => {
  const { tokens, conversations, adapter, bot } = opts;
  await app.register(rateLimit, { global: false });
  await app.register(websocket, { options: { maxPayload: 4096 } });
  const limited = { rateLimit: { max: opts.rateLimitMax, timeWindow: '1 minute' } };

  const conversationOf = (request: FastifyRequest): string => {
    // The stream's URL carries the token (`t`), as Direct Line's does: browsers cannot set
    // headers on a WebSocket.
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? (request.query as { t?: string } | undefined)?.t;
    if (!bearer) throw new RahnamaError('RAHNAMA_TOKEN_INVALID');
    const conversationId = tokens.conversationOf(bearer);
    if (!conversations.has(conversationId)) conversations.create(conversationId);
    return conversationId;
  };
  const ownConversation = (request: FastifyRequest<{ Params: ConversationParams }>): string => {
    const conversationId = conversationOf(request);
    if (conversationId !== request.params.conversationId) throw new RahnamaError('RAHNAMA_TOKEN_INVALID');
    return conversationId;
  };
  const issued = (conversationId: string, request?: FastifyRequest) => {
    const { token, expiresIn } = tokens.issue(conversationId);
    const streamUrl = request && `${request.protocol === 'https' ? 'wss' : 'ws'}://${request.host}/v3/directline/conversations/${conversationId}/stream?t=${token}`;
    return { conversationId, token, expires_in: expiresIn, ...(streamUrl ? { streamUrl } : {}) };
  };

  app.post('/v3/directline/tokens/generate', { config: limited }, async () => issued(conversations.create()));

  app.post('/v3/directline/tokens/refresh', { config: limited }, async (request) => issued(conversationOf(request)));

  app.post('/v3/directline/conversations', { config: limited }, async (request, reply) => {
    const conversationId = conversationOf(request);
    const fresh = conversations.watermark(conversationId) === 0;
    if (fresh) {
      // The bot greets a new conversation as Bot Framework channels do: a member joined.
      await adapter.processActivity(
        {
          type: 'conversationUpdate',
          channelId: WEBCHAT_CHANNEL_ID,
          conversation: { id: conversationId },
          // The client's own user id is not known before its first message: a per-conversation
          // one keeps one visitor's welcome from reading another's state.
          from: { id: `dl_${conversationId}`, role: 'user' },
          recipient: BOT,
          membersAdded: [{ id: `dl_${conversationId}` }],
          locale: request.headers['accept-language']?.slice(0, 2),
          timestamp: new Date(),
        } as Activity,
        (context) => bot.run(context),
      );
    }
    return reply.status(fresh ? 201 : 200).send(issued(conversationId, request));
  });

  // The stream: activities as they happen, each as an ActivitySet with its watermark.
  app.get<{ Params: ConversationParams; Querystring: { watermark?: number; t?: string } }>(
    '/v3/directline/conversations/:conversationId/stream',
    {
      websocket: true,
      schema: { querystring: { type: 'object', properties: { watermark: { type: 'integer', minimum: 0 }, t: { type: 'string' } } } },
      // Checked before the upgrade, so a bad token gets a plain 403.
      preValidation: async (request) => {
        ownConversation(request);
      },
    },
    (socket, request) => {
      const { conversationId } = request.params;
      const backlog = conversations.since(conversationId, request.query.watermark ?? 0);
      if (backlog.activities.length > 0) socket.send(JSON.stringify({ activities: backlog.activities, watermark: String(backlog.watermark) }));
      const unsubscribe = conversations.subscribe(conversationId, (activity) => {
        socket.send(JSON.stringify({ activities: [activity], watermark: String(conversations.watermark(conversationId)) }));
      });
      socket.on('close', unsubscribe);
      // Clients only listen on this socket; anything they send is ignored.
      socket.on('message', () => undefined);
    },
  );

  app.get<{ Params: ConversationParams; Querystring: { watermark?: number } }>(
    '/v3/directline/conversations/:conversationId/activities',
    { schema: { querystring: { type: 'object', properties: { watermark: { type: 'integer', minimum: 0 } } } } },
    async (request) => {
      const conversationId = ownConversation(request);
      const { activities, watermark } = conversations.since(conversationId, request.query.watermark ?? 0);
      return { activities, watermark: String(watermark) };
    },
  );

  app.post<{ Params: ConversationParams; Body: Partial<Activity> }>(
    '/v3/directline/conversations/:conversationId/activities',
    {
      bodyLimit: 4 * opts.maxQuestionLength + 4096,
      config: limited,
      schema: {
        body: {
          type: 'object',
          required: ['type', 'from'],
          properties: {
            type: { type: 'string', enum: ['message', 'event', 'typing'] },
            text: { type: 'string', maxLength: opts.maxQuestionLength },
            from: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 }, name: { type: 'string', maxLength: 128 } } },
            locale: { type: 'string', maxLength: 20 },
          },
        },
      },
    },
    async (request) => {
      const conversationId = ownConversation(request);
      const body = request.body;
      // Only what the bot needs is kept from the client's activity: no arbitrary client data.
      const activity = {
        type: body.type,
        text: body.text,
        value: body.value,
        locale: body.locale,
        from: { id: body.from?.id, name: body.from?.name, role: 'user' },
        channelId: WEBCHAT_CHANNEL_ID,
        conversation: { id: conversationId },
        recipient: BOT,
        timestamp: new Date(),
      } as Activity;
      const id = conversations.append(conversationId, activity);
      await adapter.processActivity({ ...activity, id }, (context) => bot.run(context));
      return { id };
    },
  );
};

export default directLine;
