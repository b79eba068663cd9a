import { createHmac } from 'node:crypto';

/**
 * A platform's user and chat ids as the bot core sees them: a keyed hash (HMAC-SHA256), so state
 * and logs never hold an id in clear, and ids cannot be recovered by hashing every number
 * (Telegram's ids, for one, are small enough for that). 22 base64url characters keep 132 bits.
 */
export class KeyedIds {
  /** `prefix` names the platform (`tg`); `secret` is the channel's id secret, kept under DATA_DIR when not configured. */
  constructor(private readonly prefix: string, private readonly secret: string) {}

  /** `<prefix>_` and the hash of the id: the `from.id` or `conversation.id` of the core's activities. */
  key(id: number | string): string {
    return `${this.prefix}_${createHmac('sha256', this.secret).update(String(id)).digest('base64url').slice(0, 22)}`;
  }
}
