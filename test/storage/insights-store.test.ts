import { readFile, writeFile } from 'node:fs/promises';
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

  it('counts questions per day, channel and language, each conversation once a day, with no text or conversation id on disk', async () => {
    const file = path.join(await tempDir(), 'insights.json');
    const store = await InsightsStore.open(file);
    const morning = new Date('2026-11-30T08:00:00Z');
    const evening = new Date('2026-11-30T20:00:00Z');
    await store.countQuestion({ channel: 'webchat', lang: 'en', kind: 'answer', entryId: 'avrr-cost', conversation: 'conversation-one' }, morning);
    await store.countQuestion({ channel: 'webchat', lang: 'en', kind: 'fallback', entryId: null, conversation: 'conversation-one' }, evening);
    await store.countQuestion({ channel: 'webchat', lang: 'en', kind: 'answer', entryId: 'avrr-cost', conversation: 'conversation-two' }, evening);
    await store.countQuestion({ channel: 'telegram', lang: 'ar', kind: 'emergency', entryId: 'emergency-help', conversation: 'conversation-three' }, evening);
    await store.countQuestion({ channel: 'telegram', lang: 'ar', kind: 'smalltalk', entryId: null, conversation: 'conversation-three' }, new Date('2026-12-01T09:00:00Z'));
    const reopened = await InsightsStore.open(file);
    expect(reopened.dailyCounts).toEqual([
      { day: '2026-11-30', channel: 'webchat', lang: 'en', conversations: 2, questions: 3, answered: 2, fallback: 1, smalltalk: 0, emergency: 0 },
      { day: '2026-11-30', channel: 'telegram', lang: 'ar', conversations: 1, questions: 1, answered: 0, fallback: 0, smalltalk: 0, emergency: 1 },
      // A new day: the same conversation counts again, once.
      { day: '2026-12-01', channel: 'telegram', lang: 'ar', conversations: 1, questions: 1, answered: 0, fallback: 0, smalltalk: 1, emergency: 0 },
    ]);
    expect(reopened.entryCounts).toEqual([
      { day: '2026-11-30', entryId: 'avrr-cost', count: 2 },
      { day: '2026-11-30', entryId: 'emergency-help', count: 1 },
    ]);
    const onDisk = await readFile(file, 'utf8');
    expect(onDisk).not.toContain('conversation-');
    expect(JSON.parse(onDisk)).toMatchObject({ version: 2 });
  });

  it('deletes raw questions and feedback after retention but keeps every aggregate', async () => {
    const file = path.join(await tempDir(), 'insights.json');
    const store = await InsightsStore.open(file);
    const old = new Date('2026-08-01T10:00:00Z');
    await store.recordUnanswered({ text: 'an old question', lang: 'fa', bestEntryId: null, bestConfidence: 0 }, old);
    await store.countQuestion({ channel: 'telegram', lang: 'fa', kind: 'fallback', entryId: null, conversation: 'c' }, old);
    await store.countQuestion({ channel: 'telegram', lang: 'fa', kind: 'answer', entryId: 'avrr-cost', conversation: 'c' }, old);
    await store.recordFeedback({ entryId: 'avrr-cost', helpful: true, lang: 'fa' }, old);
    await store.recordFeedback({ entryId: 'avrr-cost', helpful: false, lang: 'fa' }, old);
    await store.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'fa' }, old);
    const before = { daily: store.dailyCounts, entries: store.entryCounts, feedback: store.feedbackCounts, checks: store.checkOutcomes };

    expect(await store.deleteOlderThan(90, new Date('2026-12-01T00:00:00Z'))).toBe(3);
    const reopened = await InsightsStore.open(file);
    expect(reopened.unanswered).toEqual([]);
    expect(reopened.feedback).toEqual([]);
    expect({ daily: reopened.dailyCounts, entries: reopened.entryCounts, feedback: reopened.feedbackCounts, checks: reopened.checkOutcomes }).toEqual(before);
    expect(reopened.dailyCounts).toEqual([{ day: '2026-08-01', channel: 'telegram', lang: 'fa', conversations: 1, questions: 2, answered: 1, fallback: 1, smalltalk: 0, emergency: 0 }]);
    expect(reopened.feedbackCounts).toEqual([{ day: '2026-08-01', lang: 'fa', up: 1, down: 1 }]);
    expect(await readFile(file, 'utf8')).not.toContain('an old question');
  });

  it('opens a version-1 file (no aggregates) with empty counts, rebuilding the feedback counts from the records kept, and refuses unknown versions', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'insights.json');
    await writeFile(file, JSON.stringify({
      version: 1,
      unanswered: [{ text: 'q', lang: 'en', at: '2026-11-01T10:00:00.000Z', bestEntryId: null, bestConfidence: 0 }],
      feedback: [
        { entryId: 'avrr-cost', helpful: true, lang: 'en', at: '2026-11-01T10:00:00.000Z' },
        { entryId: 'avrr-cost', helpful: true, lang: 'en', at: '2026-11-01T11:00:00.000Z' },
        { entryId: 'avrr-cost', helpful: false, lang: 'bg', at: '2026-11-02T11:00:00.000Z' },
      ],
    }));
    const store = await InsightsStore.open(file);
    expect(store.dailyCounts).toEqual([]);
    expect(store.entryCounts).toEqual([]);
    expect(store.checkOutcomes).toEqual([]);
    expect(store.feedbackCounts).toEqual([
      { day: '2026-11-01', lang: 'en', up: 2, down: 0 },
      { day: '2026-11-02', lang: 'bg', up: 0, down: 1 },
    ]);
    await store.countQuestion({ channel: 'webchat', lang: 'en', kind: 'answer', entryId: 'avrr-cost' }, new Date('2026-11-03T00:00:00Z'));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 2, unanswered: [{ text: 'q' }], feedbackCounts: expect.any(Array) });

    const future = path.join(dir, 'future.json');
    await writeFile(future, JSON.stringify({ version: 3, unanswered: [], feedback: [] }));
    await expect(InsightsStore.open(future)).rejects.toThrow(/unknown insights format version 3/);
  });
});
