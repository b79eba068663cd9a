import { createHmac } from 'node:crypto';

/**
 * Telegram user and chat ids as the bot core sees them: a keyed hash (HMAC-SHA256), so state
 * files and logs never hold an id in clear and ids cannot be recovered by hashing every number
 * (Telegram ids are small enough for that). 22 base64url characters keep 132 bits.
 */
export class TelegramIdHasher {
  constructor(private readonly secret: string) {}

  /** `tg_` and the hash of the id: the `from.id` or `conversation.id` of the core's activities. */
  key(id: number): string {
    return `tg_${createHmac('sha256', this.secret).update(String(id)).digest('base64url').slice(0, 22)}`;
  }
}
