import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Update } from 'grammy/types';
import { RahnamaError } from '../../errors.js';

export interface TelegramWebhookOptions {
  /** The route, secret itself: `/telegram/<hash of the token>` (see webhookPath). */
  path: string;
  /** What Telegram must send as `X-Telegram-Bot-Api-Secret-Token` (setWebhook's `secret_token`). */
  secretToken: string;
  /** Handles one update; never rejects (failures are logged by the bot's error boundary). */
  handleUpdate: (update: Update) => Promise<void>;
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
 * read, in constant time, so nothing without it reaches the bot. Telegram gets its 200 at once
 * and the update is handled after: Telegram waits for no answer, and resends updates that are
 * slow to be acknowledged.
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
      void opts.handleUpdate(request.body);
      return reply.status(200).send();
    },
  );
};

export default telegramWebhook;
