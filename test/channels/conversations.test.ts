import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { ConversationStore } from '../../src/channels/webchat/conversations.js';

const message = (text: string) => ({ type: 'message', text }) as Activity;

describe('the web chat\'s conversations in memory', () => {
  it('forgets conversations idle too long, but never one with an open stream', () => {
    const store = new ConversationStore(60_000);
    const idle = store.create();
    const listened = store.create();
    const busy = store.create();
    store.subscribe(listened, () => undefined);
    const later = Date.now() + 61_000;
    store.append(busy, message('hi'));
    expect(store.sweep(later - 30_000)).toBe(0);
    expect(store.sweep(later)).toBe(2);
    expect([store.has(idle), store.has(listened), store.has(busy)]).toEqual([false, true, false]);
  });

  it('gives a conversation started again (a restarted server) new activity ids, so clients do not drop new messages as seen', () => {
    const before = new ConversationStore();
    const id = before.create('conversation-1');
    const old = before.append(id, message('first'));
    const after = new ConversationStore();
    after.create(id);
    const fresh = after.append(id, message('again'));
    expect(fresh).not.toBe(old);
    expect(fresh.startsWith(`${id}|`)).toBe(true);
  });

  it('keeps the last 200 activities and counts watermarks on from the dropped ones', () => {
    const store = new ConversationStore();
    const id = store.create();
    for (let i = 0; i < 250; i++) store.append(id, message(String(i)));
    const all = store.since(id, 0);
    expect(all.activities).toHaveLength(200);
    expect(all.activities[0]?.text).toBe('50');
    expect(all.watermark).toBe(250);
    expect(store.since(id, 240).activities.map((a) => a.text)).toEqual(['240', '241', '242', '243', '244', '245', '246', '247', '248', '249']);
  });
});
