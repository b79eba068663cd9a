import { describe, expect, it } from 'vitest';
import { stateKeys, TurnState } from '../../src/bot/turn-state.js';

const keys = stateKeys({ channelId: 'webchat', conversation: { id: 'c1' } as never, from: { id: 'u1' } as never });

describe('a turn\'s state', () => {
  it('uses botbuilder\'s keys, so state stored by ConversationState and UserState reads the same', () => {
    expect(keys).toEqual({ conversation: 'webchat/conversations/c1/', user: 'webchat/users/u1/' });
  });

  it('writes nothing for a turn that only looked (empty defaults included), as a welcome does', () => {
    const state = new TurnState(keys, {});
    state.bag('user').profile = {};
    state.bag('conversation').check = undefined;
    expect(state.changes()).toEqual([]);
  });

  it('writes each changed scope at the version it was read at, and a new one only if still absent', () => {
    const state = new TurnState(keys, { [keys.user]: { profile: { lang: 'en' }, eTag: 'v1' } });
    (state.bag('user').profile as { lang: string }).lang = 'ar';
    state.bag('conversation').conversation = { askedOn: '2026-12-07' };
    expect(state.changes()).toEqual([
      { key: keys.conversation, value: { conversation: { askedOn: '2026-12-07' } }, ifVersion: null },
      { key: keys.user, value: { profile: { lang: 'ar' } }, ifVersion: 'v1' },
    ]);
  });

  it('deletes both scopes when the user asks to be forgotten, and writes nothing else', () => {
    const state = new TurnState(keys, { [keys.user]: { profile: { lang: 'fa' }, eTag: 'v1' } });
    state.bag('conversation').conversation = { lastEntries: ['avrr-cost'] };
    state.forget();
    expect(state.changes()).toEqual([{ key: keys.user, value: null }]);
  });

  it('changes a copy: what it was read from (or an instance remembers) stays as stored', () => {
    const items = { [keys.user]: { profile: { lang: 'en' }, eTag: 'v1' } };
    const state = new TurnState(keys, items);
    (state.bag('user').profile as { lang: string }).lang = 'uk';
    expect(items[keys.user]?.profile.lang).toBe('en');
  });

  it('runs what waited for the write once, after it', async () => {
    const state = new TurnState(keys, {});
    const done: string[] = [];
    state.onCommitted(() => void done.push('counted'));
    expect(done).toEqual([]);
    await state.committed();
    await state.committed();
    expect(done).toEqual(['counted']);
  });
});
