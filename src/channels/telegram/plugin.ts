import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Update } from 'grammy/types';
import { RahnamaError } from '../../errors.js';

export interface TelegramWebhookOptions {
  /** The route, secret itself: `/telegram/<hash of the token>` (see webhookPath). */
  path: string;
  /** What Telegram must send as `X-Telegram-Bot-Api-Secret-Token` (setWebhook's `secret_token`). */
  secretToken: string;
  /**
   * Handles one update, or says it is being handled elsewhere (`busy`). Rejects only when the
   * record of handled updates cannot be reached; the bot's own failures are logged and count as handled.
   */
  handleUpdate: (update: Update) => Promise<'handled' | 'busy'>;
}

/** Telegram sends updates of a few KB; a message's text is at most 4,096 characters. */
const BODY_LIMIT = 256 * 1024;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The webhook's path: secret (derived from the token), so that it cannot be guessed. */
export function webhookPath(token: string): string {
  return `/telegram/${digest(token).toString('hex').slice(0, 32)}`;
}

/**
 * The Telegram webhook: one POST route. The secret token is checked before the body is even
 * read, in constant time, so nothing without it reaches the bot. Telegram gets its 200 only once
 * the update is handled (as grammY's own webhookCallback does): an instance that dies mid-turn
 * never acknowledged it, and Telegram sends it again. A copy that arrives while another instance
 * is still on it gets a 503, so Telegram retries it later instead of it being dropped.
 */
const telegramWebhook: FastifyPluginAsync<TelegramWebhookOptions> = async (app, opts) => {
  const expected = digest(opts.secretToken);
  app.post<{ Body: Update }>(
    opts.path,
    {
      bodyLimit: BODY_LIMIT,
      onRequest: async (request) => {
        const given = request.headers['x-telegram-bot-api-secret-token'];
        if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) throw new RahnamaError('RAHNAMA_TELEGRAM_SECRET_INVALID');
      },
      schema: {
        body: { type: 'object', required: ['update_id'], properties: { update_id: { type: 'integer', minimum: 0 } } },
      },
    },
    async (request, reply) => {
      const outcome = await opts.handleUpdate(request.body);
      if (outcome === 'busy') return reply.status(503).header('retry-after', '5').send();
      return reply.status(200).send();
    },
  );
};

export default telegramWebhook;
