import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ActivityTypes, ConversationState, TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { BotStateStorage } from '../../src/storage/bot-state-storage.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
/** The bot's state on the embedded store in `dir` (reopened: a new store reads the files again). */
const stateIn = async (dir: string) => new BotStateStorage(await EmbeddedStore.open(dir));
const DAY = 86_400_000;
const start = new Date('2025-01-01T00:00:00Z');
const daysAfterStart = (days: number) => new Date(start.getTime() + days * DAY);

describe('BotStateStorage retention (deleteOlderThan)', () => {
  it('deletes items idle longer than the limit, keeps recently written ones, and the deletion survives a reopen', async () => {
    const dir = await tempDir();
    const storage = await stateIn(dir);
    await storage.write({ 'webchat/conversations/old': { lang: 'fa' }, 'webchat/users/old': { consent: true } }, start);
    await storage.write({ 'webchat/conversations/recent': { lang: 'ar' } }, daysAfterStart(60));
    // Written long ago but written again recently: its last write counts, not its first.
    await storage.write({ 'webchat/users/returning': { visits: 1 } }, start);
    await storage.write({ 'webchat/users/returning': { visits: 2, eTag: '*' } }, daysAfterStart(80));

    expect(await storage.deleteOlderThan(90, daysAfterStart(91))).toBe(2);

    const keys = ['webchat/conversations/old', 'webchat/users/old', 'webchat/conversations/recent', 'webchat/users/returning'];
    const reopened = await stateIn(dir);
    expect(await reopened.read(keys)).toEqual({
      'webchat/conversations/recent': { lang: 'ar', eTag: expect.any(String) },
      'webchat/users/returning': { visits: 2, eTag: expect.any(String) },
    });
    expect(await readFile(path.join(dir, 'bot-state.json'), 'utf8')).not.toContain('/old"');
  });

  it('keeps an item written exactly at the limit and deletes it once it is older', async () => {
    const storage = await stateIn(await tempDir());
    await storage.write({ k: { n: 1 } }, start);
    expect(await storage.deleteOlderThan(90, daysAfterStart(90))).toBe(0);
    expect(await storage.read(['k'])).toHaveProperty('k');
    expect(await storage.deleteOlderThan(90, new Date(daysAfterStart(90).getTime() + 1))).toBe(1);
    expect(await storage.read(['k'])).toEqual({});
  });

  it('still refuses a write with a stale eTag, also after a clean-up', async () => {
    const storage = await stateIn(await tempDir());
    await storage.write({ k: { n: 1 } });
    const { k: first } = await storage.read(['k']);
    await storage.write({ k: { n: 2, eTag: first.eTag } });
    expect(await storage.deleteOlderThan(90)).toBe(0);
    await expect(storage.write({ k: { n: 3, eTag: first.eTag } })).rejects.toThrow(/eTag conflict/);
    const { k: current } = await storage.read(['k']);
    await storage.write({ k: { n: 3, eTag: current.eTag } });
    expect((await storage.read(['k'])).k).toMatchObject({ n: 3 });
  });

  it('gives botbuilder ConversationState back exactly what it saved, across a reopen and a clean-up', async () => {
    const dir = await tempDir();
    const activity: Partial<Activity> = {
      type: ActivityTypes.Message,
      text: 'hi',
      channelId: 'webchat',
      conversation: { id: 'c1', isGroup: false, conversationType: 'personal', name: '' },
      from: { id: 'u1', name: 'user' },
      recipient: { id: 'bot', name: 'bot' },
    };

    const saveTurn = async (storage: BotStateStorage) => {
      const state = new ConversationState(storage);
      const context = new TurnContext(new TestAdapter(), activity);
      const conversation = state.createProperty<{ lang?: string; lastShown?: string[] }>('conversation');
      const before = await conversation.get(context, {});
      await conversation.set(context, { lang: 'fa', lastShown: [...(before.lastShown ?? []), 'entry'] });
      await state.saveChanges(context);
    };
    const loadTurn = async (storage: BotStateStorage) => {
      const state = new ConversationState(storage);
      const context = new TurnContext(new TestAdapter(), activity);
      await state.load(context);
      return state.get(context) as Record<string, unknown>;
    };

    await saveTurn(await stateIn(dir));
    const storage = await stateIn(dir);
    await storage.deleteOlderThan(90);
    await saveTurn(storage);

    const loaded = await loadTurn(await stateIn(dir));
    expect(loaded).toEqual({ conversation: { lang: 'fa', lastShown: ['entry', 'entry'] }, eTag: expect.any(String) });
  });
});
