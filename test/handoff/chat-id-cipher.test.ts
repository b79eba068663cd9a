import { describe, expect, it } from 'vitest';
import { chatIdCipher } from '../../src/handoff/chat-id-cipher.js';

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

describe('Telegram chat id cipher', () => {
  it('is off without a key (handoff on Telegram is off)', () => {
    expect(chatIdCipher('')).toBeUndefined();
  });

  it('opens what it sealed for the same handoff, and the sealed text does not show the id', () => {
    const cipher = chatIdCipher(key(1))!;
    const sealed = cipher.seal('-1001234567890', 'handoff-a');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('1234567890');
    expect(cipher.open(sealed, 'handoff-a')).toBe('-1001234567890');
    // A fresh nonce each time: the same id seals differently.
    expect(cipher.seal('-1001234567890', 'handoff-a')).not.toBe(sealed);
  });

  it('refuses a sealed id moved to another handoff, opened with another key, or changed', () => {
    const cipher = chatIdCipher(key(1))!;
    const sealed = cipher.seal('42', 'handoff-a');
    expect(() => cipher.open(sealed, 'handoff-b')).toThrow();
    expect(() => chatIdCipher(key(2))!.open(sealed, 'handoff-a')).toThrow();
    const [version, iv, tag, text] = sealed.split('.');
    const flipped = Buffer.from(text!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => cipher.open([version, iv, tag, flipped.toString('base64url')].join('.'), 'handoff-a')).toThrow();
    // A shortened authentication tag is refused, not accepted as a weaker check.
    expect(() => cipher.open([version, iv, Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url'), text].join('.'), 'handoff-a')).toThrow();
  });
});
