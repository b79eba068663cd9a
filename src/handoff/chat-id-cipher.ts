import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Telegram chat ids are otherwise stored only as keyed hashes; a counsellor's later reply needs
 * the clear id. It is kept encrypted (AES-256-GCM under `HANDOFF_KEY`) in the open handoff only,
 * bound to that handoff (its id is the associated data, so a sealed id copied into another
 * handoff does not open), and it goes when the handoff closes.
 */

/** Marks the format, so a later one can be told apart. */
const VERSION = 'v1';

export interface ChatIdCipher {
  /** The chat id sealed for one handoff: `v1.<iv>.<tag>.<ciphertext>`, base64url. */
  seal(chatId: string, handoffId: string): string;
  /** The chat id back; throws if the text was changed or sealed for another handoff or key. */
  open(sealed: string, handoffId: string): string;
}

/** The cipher under a base64 key of 32 bytes; `undefined` when the key is empty (handoff on Telegram is off). */
export function chatIdCipher(keyBase64: string): ChatIdCipher | undefined {
  if (keyBase64 === '') return undefined;
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new Error('the chat-id key must be 32 bytes');
  return {
    seal(chatId, handoffId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(handoffId, 'utf8'));
      const text = Buffer.concat([cipher.update(chatId, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), text].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, handoffId) {
      const [version, iv, tag, text, ...rest] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || text === undefined || rest.length > 0) throw new Error('not a sealed chat id');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
      decipher.setAAD(Buffer.from(handoffId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
