import { describe, expect, it } from 'vitest';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { useStoreBackends } from '../support/stores.js';

describe.each(useStoreBackends())('InsightsStore on the $name store', (backend) => {
  it('keeps unanswered questions and feedback across reopening', async () => {
    const place = await backend.place();
    const store = new InsightsStore(await place.open());
    await store.recordUnanswered({ text: 'weather?', lang: 'en', bestEntryId: null, bestConfidence: 0.1 });
    await store.recordFeedback({ entryId: 'avrr-cost', helpful: true, lang: 'fa' });
    await store.close();
    const reopened = new InsightsStore(await place.open());
    expect(await reopened.unanswered()).toEqual([{ text: 'weather?', lang: 'en', bestEntryId: null, bestConfidence: 0.1, at: expect.any(String) }]);
    expect(await reopened.feedback()).toEqual([{ entryId: 'avrr-cost', helpful: true, lang: 'fa', at: expect.any(String) }]);
  });

  it('lists unanswered questions oldest first', async () => {
    const store = new InsightsStore(await (await backend.place()).open());
    await store.recordUnanswered({ text: 'second', lang: 'en', bestEntryId: null, bestConfidence: 0 }, new Date('2026-11-02T00:00:00Z'));
    await store.recordUnanswered({ text: 'first', lang: 'en', bestEntryId: null, bestConfidence: 0 }, new Date('2026-11-01T00:00:00Z'));
    expect((await store.unanswered()).map((q) => q.text)).toEqual(['first', 'second']);
  });

  it('counts guided-check outcomes per day and language, with nothing about who answered, and keeps the counts past retention', async () => {
    const place = await backend.place();
    const store = new InsightsStore(await place.open());
    const day = new Date('2026-11-02T10:00:00Z');
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'ps' }, day);
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'ps' }, day);
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'likely-eligible', lang: 'ps' }, day);
    await store.deleteOlderThan(7, new Date('2026-12-01T00:00:00Z'));
    expect(await new InsightsStore(await place.open()).checkOutcomes()).toEqual([
      { flow: 'eligibility', outcome: 'counsellor', lang: 'ps', day: '2026-11-02', count: 2 },
      { flow: 'eligibility', outcome: 'likely-eligible', lang: 'ps', day: '2026-11-02', count: 1 },
    ]);
  });

  it('counts questions per day, channel and language, and conversations as the bot reports their first question of the day', async () => {
    const place = await backend.place();
    const store = new InsightsStore(await place.open());
    const morning = new Date('2026-11-30T08:00:00Z');
    const evening = new Date('2026-11-30T20:00:00Z');
    await store.countQuestion({ channel: 'webchat', lang: 'en', kind: 'answer', entryId: 'avrr-cost', firstOfDay: true }, morning);
    await store.countQuestion({ channel: 'webchat', lang: 'en', kind: 'fallback', entryId: null, firstOfDay: false }, evening);
    await store.countQuestion({ channel: 'webchat', lang: 'en', kind: 'answer', entryId: 'avrr-cost', firstOfDay: true }, evening);
    await store.countQuestion({ channel: 'telegram', lang: 'ar', kind: 'emergency', entryId: 'emergency-help', firstOfDay: true }, evening);
    await store.countQuestion({ channel: 'Not A Channel!', lang: 'ar', kind: 'smalltalk', entryId: null, firstOfDay: true }, new Date('2026-12-01T09:00:00Z'));
    await store.flush();
    const reopened = new InsightsStore(await place.open());
    expect(await reopened.dailyCounts()).toEqual([
      { day: '2026-11-30', channel: 'telegram', lang: 'ar', conversations: 1, questions: 1, answered: 0, fallback: 0, smalltalk: 0, emergency: 1 },
      { day: '2026-11-30', channel: 'webchat', lang: 'en', conversations: 2, questions: 3, answered: 2, fallback: 1, smalltalk: 0, emergency: 0 },
      // An unexpected channel id is counted, as "other", never stored as given.
      { day: '2026-12-01', channel: 'other', lang: 'ar', conversations: 1, questions: 1, answered: 0, fallback: 0, smalltalk: 1, emergency: 0 },
    ]);
    expect(await reopened.entryCounts()).toEqual([
      { day: '2026-11-30', entryId: 'avrr-cost', count: 2 },
      { day: '2026-11-30', entryId: 'emergency-help', count: 1 },
    ]);
  });

  it('counts exactly when many turns count at once (two instances on PostgreSQL, one process embedded)', async () => {
    const place = await backend.place();
    const [a, b] = [new InsightsStore(await place.open()), new InsightsStore(await place.open())];
    const at = new Date('2026-11-30T08:00:00Z');
    const count = (store: InsightsStore) => store.countQuestion({ channel: 'webchat', lang: 'fa', kind: 'answer', entryId: 'avrr-cost', firstOfDay: false }, at);
    // Embedded: two stores on one folder would each own the file; one store counts all.
    const stores = backend.name === 'postgres' ? [a, b] : [a, a];
    await Promise.all(Array.from({ length: 40 }, (_, i) => count(stores[i % 2]!)));
    await b.flush();
    expect(await a.entryCounts()).toEqual([{ day: '2026-11-30', entryId: 'avrr-cost', count: 40 }]);
    expect((await a.dailyCounts())[0]).toMatchObject({ questions: 40, answered: 40 });
  });

  it('writes counts and records behind the turns that made them, all at once, and what waits on close', async () => {
    const place = await backend.place();
    const store = new InsightsStore(await place.open());
    // As another instance (or a restart) sees the store: opened afresh.
    const other = async () => new InsightsStore(await place.open());
    const at = new Date('2026-11-30T08:00:00Z');
    for (let i = 0; i < 5; i++) await store.countQuestion({ channel: 'webchat', lang: 'uk', kind: 'answer', entryId: 'avrr-cost', firstOfDay: i === 0 }, at);
    await store.recordUnanswered({ text: 'still waiting', lang: 'uk', bestEntryId: null, bestConfidence: 0 }, at);
    // Nothing written yet: another instance sees none of it, this one reads its own.
    const before = await other();
    expect(await before.entryCounts()).toEqual([]);
    expect(await before.unanswered()).toEqual([]);
    await store.close();
    const after = await other();
    expect(await after.entryCounts()).toEqual([{ day: '2026-11-30', entryId: 'avrr-cost', count: 5 }]);
    expect(await after.dailyCounts()).toEqual([{ day: '2026-11-30', channel: 'webchat', lang: 'uk', conversations: 1, questions: 5, answered: 5, fallback: 0, smalltalk: 0, emergency: 0 }]);
    expect((await after.unanswered()).map((q) => q.text)).toEqual(['still waiting']);
  });

  it('deletes raw questions and feedback after retention but keeps every aggregate', async () => {
    const place = await backend.place();
    const store = new InsightsStore(await place.open());
    const old = new Date('2026-08-01T10:00:00Z');
    await store.recordUnanswered({ text: 'an old question', lang: 'fa', bestEntryId: null, bestConfidence: 0 }, old);
    await store.recordUnanswered({ text: 'a recent question', lang: 'fa', bestEntryId: null, bestConfidence: 0 }, new Date('2026-11-30T10:00:00Z'));
    await store.countQuestion({ channel: 'telegram', lang: 'fa', kind: 'fallback', entryId: null, firstOfDay: true }, old);
    await store.countQuestion({ channel: 'telegram', lang: 'fa', kind: 'answer', entryId: 'avrr-cost', firstOfDay: false }, old);
    await store.recordFeedback({ entryId: 'avrr-cost', helpful: true, lang: 'fa' }, old);
    await store.recordFeedback({ entryId: 'avrr-cost', helpful: false, lang: 'fa' }, old);
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'fa' }, old);
    const aggregates = async (s: InsightsStore) => ({ daily: await s.dailyCounts(), entries: await s.entryCounts(), feedback: await s.feedbackCounts(), checks: await s.checkOutcomes() });
    const before = await aggregates(store);

    expect(await store.deleteOlderThan(90, new Date('2026-12-01T00:00:00Z'))).toBe(3);
    const reopened = new InsightsStore(await place.open());
    expect((await reopened.unanswered()).map((q) => q.text)).toEqual(['a recent question']);
    expect(await reopened.feedback()).toEqual([]);
    expect(await aggregates(reopened)).toEqual(before);
    expect(before.daily).toEqual([{ day: '2026-08-01', channel: 'telegram', lang: 'fa', conversations: 1, questions: 2, answered: 1, fallback: 1, smalltalk: 0, emergency: 0 }]);
    expect(before.feedback).toEqual([{ day: '2026-08-01', lang: 'fa', up: 1, down: 1 }]);
  });
});
