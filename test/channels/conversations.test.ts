import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { MemoryConversationLog, type ConversationLog } from '../../src/channels/webchat/conversations.js';
import { StoredConversationLog } from '../../src/channels/webchat/stored-conversations.js';
import { useStoreBackends } from '../support/stores.js';

const message = (text: string) => ({ type: 'message', text }) as Activity;
const texts = (activities: Activity[]) => activities.map((a) => a.text);

/** Collects what a subscription hands over, and waits until it has `count` activities. */
function collector() {
  const received: Activity[] = [];
  const watermarks: number[] = [];
  return {
    received,
    watermarks,
    listener: (activities: Activity[], watermark: number) => {
      received.push(...activities);
      watermarks.push(watermark);
    },
    until: (count: number) => expect.poll(() => received.length, { timeout: 5000 }).toBeGreaterThanOrEqual(count),
  };
}

const backends = useStoreBackends();
const kinds: { name: string; open: () => Promise<ConversationLog[]> }[] = [
  { name: 'in memory', open: async () => [new MemoryConversationLog()] },
  ...backends.map((backend) => ({
    name: `on the ${backend.name} store`,
    // Two logs on one PostgreSQL database are two instances; embedded, one process has one.
    open: async () => {
      const place = await backend.place();
      return backend.name === 'postgres' ? [new StoredConversationLog(await place.open()), new StoredConversationLog(await place.open())] : [new StoredConversationLog(await place.open())];
    },
  })),
];

describe.each(kinds)('the web chat\'s conversations $name', (kind) => {
  it('numbers activities by watermark and gives what came after a watermark', async () => {
    const [log] = await kind.open();
    const id = await log!.create();
    expect(await log!.watermark(id)).toBe(0);
    const ids = [await log!.append(id, message('one')), await log!.append(id, message('two')), await log!.append(id, message('three'))];
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((i) => i.startsWith(`${id}|`))).toBe(true);
    expect(await log!.watermark(id)).toBe(3);
    const all = await log!.since(id, 0);
    expect(texts(all.activities)).toEqual(['one', 'two', 'three']);
    expect(all.activities.map((a) => a.id)).toEqual(ids);
    expect(all.watermark).toBe(3);
    expect(await log!.since(id, 2)).toEqual({ activities: [expect.objectContaining({ text: 'three' })], watermark: 3 });
    expect(await log!.since(id, 3)).toEqual({ activities: [], watermark: 3 });
  });

  it('hands a subscriber the backlog, then each new activity once and in order, and passing typing without keeping it', async () => {
    const logs = await kind.open();
    const [writer, reader] = [logs[0]!, logs.at(-1)!];
    const id = await writer.create();
    await writer.append(id, message('before 1'));
    await writer.append(id, message('before 2'));
    const seen = collector();
    const stop = await reader.subscribe(id, 1, seen.listener);
    await seen.until(1);
    for (let i = 0; i < 5; i++) await writer.append(id, message(`live ${i}`));
    await seen.until(6);
    await writer.broadcast(id, { type: 'typing' } as Activity);
    await seen.until(7);
    expect(texts(seen.received.filter((a) => a.type === 'message'))).toEqual(['before 2', 'live 0', 'live 1', 'live 2', 'live 3', 'live 4']);
    expect(seen.watermarks.at(-1)).toBe(7);
    expect(texts((await reader.since(id, 0)).activities)).toHaveLength(7);
    stop();
    await writer.append(id, message('after stop'));
    await writer.since(id, 0);
    expect(seen.received).toHaveLength(7);
  });

  it('keeps every message when several are appended to one conversation at once, each with its own watermark', async () => {
    const logs = await kind.open();
    const id = await logs[0]!.create();
    await Promise.all(Array.from({ length: 20 }, (_, i) => logs[i % logs.length]!.append(id, message(`m${i}`))));
    const { activities, watermark } = await logs[0]!.since(id, 0);
    expect(watermark).toBe(20);
    expect(new Set(texts(activities))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `m${i}`)));
  });

  it('forgets conversations idle too long', async () => {
    const [log] = await kind.open();
    const idle = await log!.create();
    await log!.append(idle, message('hello'));
    expect(await log!.sweep(Date.now() - 1000)).toBe(0);
    expect(await log!.sweep(Date.now() + 25 * 60 * 60 * 1000)).toBeGreaterThan(0);
    // A client with a valid token starts it afresh, empty.
    await log!.create(idle);
    expect(await log!.since(idle, 0)).toEqual({ activities: [], watermark: 0 });
  });
});

describe('the web chat\'s conversations in memory', () => {
  it('never forgets a conversation with an open stream', async () => {
    const store = new MemoryConversationLog(60_000);
    const idle = await store.create();
    const listened = await store.create();
    const busy = await store.create();
    await store.subscribe(listened, 0, () => undefined);
    const later = Date.now() + 61_000;
    await store.append(busy, message('hi'));
    expect(await store.sweep(later - 30_000)).toBe(0);
    expect(await store.sweep(later)).toBe(2);
    expect([store.has(idle), store.has(listened), store.has(busy)]).toEqual([false, true, false]);
  });

  it('gives a conversation started again (a restarted server) new activity ids, so clients do not drop new messages as seen', async () => {
    const before = new MemoryConversationLog();
    const id = await before.create('conversation-1');
    const old = await before.append(id, message('first'));
    const after = new MemoryConversationLog();
    await after.create(id);
    const fresh = await after.append(id, message('again'));
    expect(fresh).not.toBe(old);
    expect(fresh.startsWith(`${id}|`)).toBe(true);
  });

  it('keeps the last 200 activities and counts watermarks on from the dropped ones', async () => {
    const store = new MemoryConversationLog();
    const id = await store.create();
    for (let i = 0; i < 250; i++) await store.append(id, message(String(i)));
    const all = await store.since(id, 0);
    expect(all.activities).toHaveLength(200);
    expect(all.activities[0]?.text).toBe('50');
    expect(all.watermark).toBe(250);
    expect(texts((await store.since(id, 240)).activities)).toEqual(['240', '241', '242', '243', '244', '245', '246', '247', '248', '249']);
  });
});
