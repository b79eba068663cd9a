import { readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/admin/account-store.js';
import { AuditLog } from '../../src/admin/audit-log.js';
import { InboxState } from '../../src/admin/inbox-state.js';
import { hashPassword } from '../../src/admin/passwords.js';
import { SessionStore } from '../../src/admin/session-store.js';
import { BotStateStorage } from '../../src/storage/bot-state-storage.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { importLegacyFiles } from '../../src/storage/legacy-files.js';
import { embeddedStoreDir, openStore } from '../../src/storage/open-store.js';
import type { Counters, Documents, Store } from '../../src/storage/store.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple';
const HOUR_MS = 3_600_000;

/** A DATA_DIR holding the given old files, as a deployment before the Store left it. */
async function dataDirWith(files: Record<string, unknown>): Promise<string> {
  const dir = await tempDir();
  await Promise.all(Object.entries(files).map(([name, data]) => writeFile(path.join(dir, name), typeof data === 'string' ? data : JSON.stringify(data))));
  return dir;
}

/** Opens the store as start-up does, with what it logs. */
async function open(dataDir: string): Promise<{ store: Store; logged: string[] }> {
  const logged: string[] = [];
  const store = await openStore({ dataDir, databaseUrl: '' }, (level, message) => logged.push(`${level}: ${message}`));
  return { store, logged };
}

const question = (text: string, at: string) => ({ text, lang: 'fa', at, bestEntryId: 'avrr-cost', bestConfidence: 0.4 });
const insightsV2 = {
  version: 2,
  unanswered: [question('first', '2026-10-01T08:00:00.000Z'), question('same moment', '2026-10-02T09:00:00.000Z'), { ...question('same moment, other', '2026-10-02T09:00:00.000Z'), bestEntryId: null }],
  feedback: [
    { entryId: 'avrr-cost', helpful: true, lang: 'ar', at: '2026-10-01T10:00:00.000Z' },
    { entryId: 'avrr-cost', helpful: false, lang: 'ar', at: '2026-10-01T11:00:00.000Z' },
  ],
  checkOutcomes: [{ flow: 'eligibility', outcome: 'counsellor', lang: 'ps', day: '2026-10-01', count: 3 }],
  daily: [
    { day: '2026-10-01', channel: 'webchat', lang: 'fa', conversations: 2, questions: 5, answered: 3, fallback: 1, smalltalk: 1, emergency: 0 },
    { day: '2026-10-01', channel: 'telegram', lang: 'ar', conversations: 1, questions: 1, answered: 0, fallback: 0, smalltalk: 0, emergency: 1 },
  ],
  entries: [
    { day: '2026-10-01', entryId: 'avrr-cost', count: 3 },
    { day: '2026-10-02', entryId: 'emergency-help', count: 1 },
  ],
  // Kept past retention: more than the feedback records still there.
  feedbackCounts: [{ day: '2026-09-01', lang: 'ar', up: 7, down: 2 }],
};

/** Every one of the old files, with a session still valid and one expired. */
async function everyOldFile() {
  const now = Date.now();
  const passwordHash = await hashPassword(PASSWORD);
  const files = {
    'state.json': {
      'webchat/conversations/c1': { lang: 'fa', eTag: 'e1', lastWrite: new Date(now - 2 * DAY).toISOString() },
      'webchat/users/u1': { consent: true, eTag: 'e2' },
    },
    'insights.json': insightsV2,
    'staff-accounts.json': {
      version: 1,
      accounts: [
        { email: 'maria@example.org', role: 'admin', passwordHash, createdAt: '2026-01-01T00:00:00.000Z', failedSignIns: 2 },
        { email: 'ivan@example.org', role: 'editor', passwordHash, createdAt: '2026-01-02T00:00:00.000Z', failedSignIns: 0, lockedUntil: new Date(now + HOUR_MS).toISOString() },
      ],
    },
    'staff-sessions.json': {
      version: 1,
      sessions: [
        { id: 'live-session', email: 'maria@example.org', csrfToken: 'csrf-1', expiresAt: new Date(now + HOUR_MS).toISOString() },
        { id: 'expired-session', email: 'maria@example.org', csrfToken: 'csrf-2', expiresAt: new Date(now - HOUR_MS).toISOString() },
      ],
    },
    'audit-log.json': {
      version: 1,
      records: [
        { at: '2026-11-01T10:00:00.000Z', who: 'maria@example.org', action: 'create', file: 'avrr-cost.yaml', before: '', after: 'v1' },
        { at: '2026-11-02T10:00:00.000Z', who: 'ivan@example.org', action: 'publish', file: 'avrr-cost.yaml', before: 'v1', after: 'v2' },
        { at: '2026-11-02T10:00:00.000Z', who: 'ivan@example.org', action: 'publish', file: 'other.yaml', before: 'a', after: 'b' },
      ],
    },
    'inbox.json': { version: 1, handled: [{ key: 'fa:weather', at: '2026-11-03T00:00:00.000Z' }, { key: 'ar:visa', at: '2026-11-04T00:00:00.000Z' }] },
  };
  return files;
}

/** Everything the old files held, read back through the classes that use it. */
async function readBack(store: Store) {
  const insights = new InsightsStore(store);
  return {
    unanswered: await insights.unanswered(),
    feedback: await insights.feedback(),
    daily: await insights.dailyCounts(),
    entries: await insights.entryCounts(),
    feedbackCounts: await insights.feedbackCounts(),
    checks: await insights.checkOutcomes(),
    state: await new BotStateStorage(store).read(['webchat/conversations/c1', 'webchat/users/u1']),
    accounts: await new AccountStore(store).accounts(),
    sessions: (await store.documents('staff-sessions').list()).map((d) => d.key),
    audit: [...(await new AuditLog(store).historyOf('avrr-cost.yaml')), ...(await new AuditLog(store).historyOf('other.yaml'))],
    inbox: [...(await new InboxState(store).handled())].sort(),
  };
}

describe('importing the files of the versions before the Store', () => {
  it('imports every old file into the store, renames each one, and imports nothing more when opened again', async () => {
    const files = await everyOldFile();
    const dataDir = await dataDirWith(files);
    const { store, logged } = await open(dataDir);

    expect(logged).toEqual([
      'info: imported 2 items from state.json (kept as state.json.imported)',
      // 3 questions, 2 feedback records, 2 daily rows, 2 entry rows, 1 feedback count, 1 check outcome.
      'info: imported 11 items from insights.json (kept as insights.json.imported)',
      'info: imported 2 items from staff-accounts.json (kept as staff-accounts.json.imported)',
      'info: imported 1 items from staff-sessions.json (kept as staff-sessions.json.imported)',
      'info: imported 3 items from audit-log.json (kept as audit-log.json.imported)',
      'info: imported 2 items from inbox.json (kept as inbox.json.imported)',
    ]);
    expect((await readdir(dataDir)).sort()).toEqual([...Object.keys(files).map((f) => `${f}.imported`), 'store'].sort());

    const imported = await readBack(store);
    expect(imported.unanswered).toEqual(insightsV2.unanswered);
    expect(imported.feedback).toEqual(insightsV2.feedback);
    expect(imported.daily).toEqual([insightsV2.daily[1], insightsV2.daily[0]]);
    expect(imported.entries).toEqual(insightsV2.entries);
    expect(imported.feedbackCounts).toEqual(insightsV2.feedbackCounts);
    expect(imported.checks).toEqual(insightsV2.checkOutcomes);
    // Without the old eTag and write time; the eTag is now the document's version.
    expect(imported.state).toEqual({
      'webchat/conversations/c1': { lang: 'fa', eTag: expect.any(String) },
      'webchat/users/u1': { consent: true, eTag: expect.any(String) },
    });
    expect(imported.state['webchat/conversations/c1']!.eTag).not.toBe('e1');
    expect(imported.accounts).toEqual([
      { email: 'ivan@example.org', role: 'editor', createdAt: '2026-01-02T00:00:00.000Z', failedSignIns: 0, lockedUntil: expect.any(String) },
      { email: 'maria@example.org', role: 'admin', createdAt: '2026-01-01T00:00:00.000Z', failedSignIns: 2 },
    ]);
    expect(imported.sessions).toEqual(['live-session']);
    expect(imported.audit.map((r) => `${r.file} ${r.after}`)).toEqual(['avrr-cost.yaml v2', 'avrr-cost.yaml v1', 'other.yaml b']);
    expect(imported.audit[0]).toEqual(files['audit-log.json'].records[1]);
    expect(imported.inbox).toEqual(['ar:visa', 'fa:weather']);

    // The imported data works as the classes' own: sign-in with the old hash, the lock kept, the session valid.
    expect(await new AccountStore(store).signIn('Maria@Example.org', PASSWORD)).toMatchObject({ account: { email: 'maria@example.org', failedSignIns: 0 } });
    expect(await new AccountStore(store).signIn('ivan@example.org', PASSWORD)).toEqual({ error: 'locked' });
    expect(await new SessionStore(store, HOUR_MS).get('live-session')).toEqual(files['staff-sessions.json'].sessions[0]);
    expect(await new SessionStore(store, HOUR_MS).get('expired-session')).toBeUndefined();
    // Records keep their own time as their write time: retention sees their age, not the import's.
    expect((await store.documents('audit-log').list()).map((d) => d.updatedAt.toISOString())).toEqual(files['audit-log.json'].records.map((r) => r.at));
    expect(await new InboxState(store).deleteOlderThan(30, new Date('2026-12-03T12:00:00Z'))).toBe(1);
    await store.close();

    const again = await open(dataDir);
    expect(again.logged).toEqual([]);
    // The same as before (bar the sign-ins and the inbox retention above): nothing added twice.
    expect({ ...(await readBack(again.store)), accounts: undefined, inbox: undefined }).toEqual({ ...imported, accounts: undefined, inbox: undefined });
    await again.store.close();
  });

  it('imports an insights file of version 1, rebuilding the feedback counts from its feedback records', async () => {
    const { daily: _d, entries: _e, feedbackCounts: _f, ...v1 } = insightsV2;
    const dataDir = await dataDirWith({ 'insights.json': { ...v1, version: 1 } });
    const { store, logged } = await open(dataDir);
    expect(logged).toEqual(['info: imported 7 items from insights.json (kept as insights.json.imported)']);
    const insights = new InsightsStore(store);
    expect(await insights.feedbackCounts()).toEqual([{ day: '2026-10-01', lang: 'ar', up: 1, down: 1 }]);
    expect(await insights.dailyCounts()).toEqual([]);
    expect(await insights.entryCounts()).toEqual([]);
    expect(await insights.checkOutcomes()).toEqual(insightsV2.checkOutcomes);
    expect(await insights.unanswered()).toEqual(insightsV2.unanswered);
    await store.close();
  });

  it('dates imported bot state by its last write, so retention deletes what was idle already, and what has no readable time 90 days from now', async () => {
    const now = Date.now();
    const dataDir = await dataDirWith({
      'state.json': {
        'webchat/conversations/idle': { lang: 'fa', eTag: 'a', lastWrite: new Date(now - 100 * DAY).toISOString() },
        'webchat/conversations/recent': { lang: 'ar', eTag: 'b', lastWrite: new Date(now - 10 * DAY).toISOString() },
        // From a version before retention, and a time no one can read: written now, as the old store counted them.
        'webchat/users/no-time': { consent: true, eTag: 'c' },
        'webchat/users/bad-time': { consent: true, eTag: 'd', lastWrite: 'last tuesday' },
      },
    });
    const { store } = await open(dataDir);
    const storage = new BotStateStorage(store);
    const keys = ['webchat/conversations/idle', 'webchat/conversations/recent', 'webchat/users/no-time', 'webchat/users/bad-time'];
    expect(Object.keys(await storage.read(keys))).toHaveLength(4);

    expect(await storage.deleteOlderThan(90)).toBe(1);
    expect(Object.keys(await storage.read(keys)).sort()).toEqual(keys.slice(1).sort());
    expect(await storage.deleteOlderThan(90, new Date(now + 81 * DAY))).toBe(1);
    expect(await storage.deleteOlderThan(90, new Date(now + 91 * DAY))).toBe(2);
    await store.close();
  });

  it('writes nothing twice and counts nothing twice when an import failed part-way and runs again', async () => {
    const dataDir = await dataDirWith({ 'insights.json': insightsV2 });
    // A store that refuses every other write, as a full disk might: some records and counts get in, others not.
    const broken = failingEveryOtherWrite(await EmbeddedStore.open(embeddedStoreDir(dataDir)));
    await expect(importLegacyFiles(dataDir, broken.store)).rejects.toThrow(/insights\.json: import failed \(no space left on device\)/);
    await broken.settled();
    await broken.store.close();
    expect(await readdir(dataDir)).toContain('insights.json');
    const partly = await EmbeddedStore.open(embeddedStoreDir(dataDir));
    expect((await new InsightsStore(partly).unanswered()).length).toBeLessThan(3);
    await partly.close();

    const { store, logged } = await open(dataDir);
    expect(logged).toEqual(['info: imported 11 items from insights.json (kept as insights.json.imported)']);
    const insights = new InsightsStore(store);
    expect(await insights.unanswered()).toEqual(insightsV2.unanswered);
    expect(await insights.feedback()).toEqual(insightsV2.feedback);
    expect(await insights.dailyCounts()).toEqual([insightsV2.daily[1], insightsV2.daily[0]]);
    expect(await insights.entryCounts()).toEqual(insightsV2.entries);
    expect(await insights.feedbackCounts()).toEqual(insightsV2.feedbackCounts);
    expect(await insights.checkOutcomes()).toEqual(insightsV2.checkOutcomes);
    await store.close();
  });

  it('writes nothing twice when the process died after writing a file but before renaming it', async () => {
    const files = await everyOldFile();
    const dataDir = await dataDirWith(files);
    const first = await open(dataDir);
    const imported = await readBack(first.store);
    await first.store.close();
    // The state just before the renames: every file written, none renamed.
    for (const name of Object.keys(files)) await rename(path.join(dataDir, `${name}.imported`), path.join(dataDir, name));

    const second = await open(dataDir);
    expect(second.logged).toHaveLength(6);
    // Bot state rewritten would have new eTags: the same ones prove nothing was written again.
    expect(await readBack(second.store)).toEqual(imported);
    await second.store.close();
  });

  it('adds imported counts to those this version already counted for the same day, instead of replacing them', async () => {
    const dataDir = await dataDirWith({ 'insights.json': insightsV2 });
    const before = await EmbeddedStore.open(embeddedStoreDir(dataDir));
    await new InsightsStore(before).countQuestion({ channel: 'webchat', lang: 'fa', kind: 'answer', entryId: 'avrr-cost', firstOfDay: true }, new Date('2026-10-01T23:00:00Z'));
    await before.close();
    const { store } = await open(dataDir);
    expect((await new InsightsStore(store).dailyCounts())[1]).toEqual({ ...insightsV2.daily[0], conversations: 3, questions: 6, answered: 4 });
    expect((await new InsightsStore(store).entryCounts())[0]).toEqual({ day: '2026-10-01', entryId: 'avrr-cost', count: 4 });
    await store.close();
  });

  it.each([
    ['state.json', '{"webchat/users/u1": {"consent": tru', /state\.json: not valid JSON/],
    ['state.json', { 'webchat/users/u1': 'not an object' }, /state\.json: not in the expected shape: item "webchat\/users\/u1" should be an object, but is "not an object"/],
    ['insights.json', { ...insightsV2, version: 3 }, /insights\.json: not in the expected shape: unknown format version 3 \(known: 1, 2\)/],
    ['insights.json', { ...insightsV2, daily: [{ ...insightsV2.daily[0], questions: -1 }] }, /insights\.json: .*daily\[0\]\.questions should be a whole number ≥ 0, but is -1/],
    ['insights.json', { ...insightsV2, unanswered: [{ ...insightsV2.unanswered[0], at: 'soon' }] }, /insights\.json: .*unanswered\[0\]\.at should be an ISO time, but is "soon"/],
    ['staff-accounts.json', { version: 1, accounts: [{ email: 'a@example.org', role: 'admin', createdAt: '2026-01-01T00:00:00Z', failedSignIns: 0 }] }, /staff-accounts\.json: .*accounts\[0\]\.passwordHash should be a non-empty string/],
    ['staff-accounts.json', { version: 1, accounts: [{ email: 'a@example.org', role: 'owner', passwordHash: 'x', createdAt: '2026-01-01T00:00:00Z', failedSignIns: 0 }] }, /accounts\[0\]\.role should be one of admin, editor, but is "owner"/],
    ['staff-sessions.json', { version: 2, sessions: [] }, /staff-sessions\.json: .*unknown format version 2/],
    ['audit-log.json', [], /audit-log\.json: not in the expected shape: the file should be an object, but is an array/],
    ['inbox.json', { version: 1, handled: {} }, /inbox\.json: .*handled should be an array, but is an object/],
  ])('stops start-up on a bad %s, naming the file and what is wrong, and leaves the file in place', async (name, content, message) => {
    const dataDir = await dataDirWith({ [name]: content });
    await expect(open(dataDir)).rejects.toThrow(message);
    expect(await readdir(dataDir)).toContain(name);
    expect(await readdir(dataDir)).not.toContain(`${name}.imported`);
    // Nothing of it was written.
    expect(await readdir(embeddedStoreDir(dataDir))).toEqual([]);
  });

  it('imports the good files before a bad one, and the bad one once it is fixed', async () => {
    const dataDir = await dataDirWith({ 'state.json': { k: { n: 1, eTag: 'x' } }, 'inbox.json': '{' });
    await expect(open(dataDir)).rejects.toThrow(/inbox\.json: not valid JSON/);
    expect((await readdir(dataDir)).sort()).toEqual(['inbox.json', 'state.json.imported', 'store']);
    await writeFile(path.join(dataDir, 'inbox.json'), JSON.stringify({ version: 1, handled: [] }));
    expect((await open(dataDir)).logged).toEqual(['info: imported 0 items from inbox.json (kept as inbox.json.imported)']);
  });

  it('refuses an old file put back after its import, rather than choose between the two copies', async () => {
    const dataDir = await dataDirWith({ 'inbox.json': { version: 1, handled: [] }, 'inbox.json.imported': { version: 1, handled: [] } });
    await expect(open(dataDir)).rejects.toThrow(/inbox\.json: inbox\.json\.imported is there too/);
    expect((await readdir(dataDir)).sort()).toEqual(['inbox.json', 'inbox.json.imported', 'store']);
  });
});

/** `store`, with every other document or counter write refused; `settled()` waits for the writes let through. */
function failingEveryOtherWrite(inner: Store): { store: Store; settled: () => Promise<unknown> } {
  let writes = 0;
  const passed: Promise<unknown>[] = [];
  const write = <R>(run: () => Promise<R>): Promise<R> => {
    if (writes++ % 2 === 1) return Promise.reject(new Error('no space left on device'));
    const result = run();
    passed.push(result.catch(() => undefined));
    return result;
  };
  const store: Store = {
    kind: inner.kind,
    broadcast: inner.broadcast,
    health: () => inner.health(),
    close: () => inner.close(),
    documents<T>(collection: string): Documents<T> {
      const docs = inner.documents<T>(collection);
      return { ...bind(docs), put: (key, value, options) => write(() => docs.put(key, value, options)) };
    },
    counters(collection: string): Counters {
      const counters = inner.counters(collection);
      return { list: (options) => counters.list(options), add: (key, deltas) => write(() => counters.add(key, deltas)) };
    },
  };
  return { store, settled: () => Promise.all(passed) };
}

function bind<T>(docs: Documents<T>): Documents<T> {
  return {
    get: (key) => docs.get(key),
    getMany: (keys) => docs.getMany(keys),
    put: (key, value, options) => docs.put(key, value, options),
    apply: (changes, at) => docs.apply(changes, at),
    delete: (keys) => docs.delete(keys),
    list: (options) => docs.list(options),
    deleteWrittenBefore: (cutoff, options) => docs.deleteWrittenBefore(cutoff, options),
  };
}
