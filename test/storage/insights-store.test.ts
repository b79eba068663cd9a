import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();

describe('InsightsStore', () => {
  it('keeps unanswered questions and feedback across reopening', async () => {
    const file = path.join(await tempDir(), 'insights.json');
    const store = await InsightsStore.open(file);
    await store.recordUnanswered({ text: 'weather?', lang: 'en', bestEntryId: null, bestConfidence: 0.1 });
    await store.recordFeedback({ entryId: 'avrr-cost', helpful: true, lang: 'fa' });
    const reopened = await InsightsStore.open(file);
    expect(reopened.unanswered).toEqual([{ text: 'weather?', lang: 'en', bestEntryId: null, bestConfidence: 0.1, at: expect.any(String) }]);
    expect(reopened.feedback).toEqual([{ entryId: 'avrr-cost', helpful: true, lang: 'fa', at: expect.any(String) }]);
  });

  it('deletes records older than the retention period', async () => {
    const store = await InsightsStore.open(path.join(await tempDir(), 'insights.json'));
    const now = new Date('2026-12-01T00:00:00Z');
    await store.recordUnanswered({ text: 'old', lang: 'en', bestEntryId: null, bestConfidence: 0 }, new Date('2026-08-01T00:00:00Z'));
    await store.recordUnanswered({ text: 'new', lang: 'en', bestEntryId: null, bestConfidence: 0 }, new Date('2026-11-30T00:00:00Z'));
    await store.recordFeedback({ entryId: 'x', helpful: false, lang: 'en' }, new Date('2026-08-01T00:00:00Z'));
    expect(await store.deleteOlderThan(90, now)).toBe(2);
    expect(store.unanswered.map((r) => r.text)).toEqual(['new']);
    expect(store.feedback).toEqual([]);
  });

  it('counts guided-check outcomes per day and language, with nothing about who answered, and keeps the counts past retention', async () => {
    const file = path.join(await tempDir(), 'insights.json');
    const store = await InsightsStore.open(file);
    const day = new Date('2026-11-02T10:00:00Z');
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'ps' }, day);
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'ps' }, day);
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'likely-eligible', lang: 'ps' }, day);
    await store.deleteOlderThan(7, new Date('2026-12-01T00:00:00Z'));
    const reopened = await InsightsStore.open(file);
    expect(reopened.checkOutcomes).toEqual([
      { flow: 'eligibility', outcome: 'counsellor', lang: 'ps', day: '2026-11-02', count: 2 },
      { flow: 'eligibility', outcome: 'likely-eligible', lang: 'ps', day: '2026-11-02', count: 1 },
    ]);
  });
});
