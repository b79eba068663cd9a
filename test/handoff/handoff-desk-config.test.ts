import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import type { Store } from '../../src/storage/store.js';

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
const memoryStore = async () => {
  const store = await EmbeddedStore.inMemory();
  opened.push(store);
  return store;
};

describe('a handoff desk from the configuration', () => {
  it('keeps Telegram chat ids only when HANDOFF_KEY is set, and refuses one without it', async () => {
    const off = HandoffDesk.fromConfig(await memoryStore(), loadConfig({}).handoff);
    expect(off.keepsChatIds).toBe(false);
    await expect(off.request({ person: 'p1', channel: 'telegram', language: 'ar', chatId: '1' })).rejects.toThrow(/HANDOFF_KEY is not set/);

    const on = HandoffDesk.fromConfig(await memoryStore(), loadConfig({ HANDOFF_KEY: Buffer.alloc(32, 3).toString('base64') }).handoff);
    expect(on.keepsChatIds).toBe(true);
    const { handoff } = await on.request({ person: 'p1', channel: 'telegram', language: 'ar', chatId: '1' });
    expect(await on.chatIdOf(handoff.id)).toBe('1');
  });

  it('takes its hours from HANDOFF_HOURS and HANDOFF_TIMEZONE', async () => {
    const desk = HandoffDesk.fromConfig(await memoryStore(), loadConfig({ HANDOFF_HOURS: 'Mon-Fri 09:00-17:00', HANDOFF_TIMEZONE: 'Asia/Kabul' }).handoff);
    // 04:30 UTC on a Monday is 09:00 in Kabul (UTC+4:30).
    expect(desk.opening(new Date('2026-12-07T04:30:00Z')).open).toBe(true);
    expect(desk.opening(new Date('2026-12-07T04:29:00Z')).open).toBe(false);
    // Without HANDOFF_HOURS, never open.
    expect(HandoffDesk.fromConfig(await memoryStore(), loadConfig({}).handoff).opening(new Date('2026-12-07T10:00:00Z'))).toEqual({ open: false, opensAt: undefined });
  });
});
