/**
 * The files of the versions before the Store, each kept directly in DATA_DIR in its own format:
 * imported into the store once at start-up (embedded backend), then renamed `<name>.imported`,
 * so they are never imported twice and an operator can still look at them.
 *
 * Bad input loses nothing: a file that is not valid JSON or not in its expected shape stops
 * start-up with an error naming it, before anything from it is written, and stays where it is.
 * A crash part-way through is harmless too: the file is renamed only once all of it is written,
 * and a run again writes nothing twice (documents have keys derived from the file, counters
 * carry a marker, see `addCountsOnce`).
 */
import { createHash } from 'node:crypto';
import { access, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { STAFF_ROLES, type StaffAccount } from '../admin/account-store.js';
import type { AuditRecord } from '../admin/audit-log.js';
import type { StaffSession } from '../admin/session-store.js';
import type { Lang } from '../languages.js';
import type { Feedback, UnansweredQuestion } from './insights-store.js';
import { checkKey, VersionConflictError, type Counters, type Counts, type Documents, type Store } from './store.js';

/** A legacy file that cannot be imported: start-up stops, and the file is left in place. */
export class LegacyFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${problem}. The file was left in place: fix or move it, then start again.`, options);
    this.name = 'LegacyFileError';
  }
}

/** What a format's importer needs besides the parsed file. */
interface ImportContext {
  readonly store: Store;
  readonly now: Date;
  /** A short hash of the file's text: the same file gives the same one, on every run. */
  readonly digest: string;
}

/** Reads one parsed file, checking all of it, then writes it to the store; returns how many items. */
type Importer = (data: unknown, context: ImportContext) => Promise<number>;

/**
 * Imports every legacy file present in `dataDir` into `store`, then renames it `<name>.imported`.
 * Returns what was imported, by file name, in the order imported.
 */
export async function importLegacyFiles(dataDir: string, store: Store, now = new Date()): Promise<{ file: string; items: number }[]> {
  const imported: { file: string; items: number }[] = [];
  for (const [name, importer] of LEGACY_FILES) {
    const file = path.join(dataDir, name);
    const text = await readIfPresent(file);
    if (text === undefined) continue;
    // Only a person can put the file back after its import: which copy counts is theirs to say.
    if (await exists(`${file}.imported`)) throw new LegacyFileError(file, `${name}.imported is there too, so this file was imported before; move one of them away`);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new LegacyFileError(file, `not valid JSON (${(error as Error).message})`, { cause: error });
    }
    let items: number;
    try {
      items = await importer(data, { store, now, digest: createHash('sha256').update(text).digest('hex').slice(0, 12) });
    } catch (error) {
      if (error instanceof ShapeError) throw new LegacyFileError(file, `not in the expected shape: ${error.message}`);
      throw new LegacyFileError(file, `import failed (${(error as Error).message})`, { cause: error });
    }
    // Only now, with all of it written: a crash before this imports it again, harmlessly.
    await rename(file, `${file}.imported`);
    imported.push({ file: name, items });
  }
  return imported;
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

// ---------------------------------------------------------------------------------------------
// The formats, one importer each.

/** `state.json`: botbuilder state, `{ <key>: { ...item, eTag, lastWrite? } }`. */
const importBotState: Importer = async (data, { store, now }) => {
  const records = Object.entries(objectAt(data, 'the file')).map(([key, item]) => {
    const where = `item "${key}"`;
    // The eTag becomes the document's version, the last write its write time (for retention).
    const { eTag: _eTag, lastWrite, ...value } = objectAt(item, where);
    const written = typeof lastWrite === 'string' ? new Date(lastWrite) : undefined;
    // No readable time (a version before retention): now, as the old store counted it.
    return { key: keyAt(key, where), value, at: written && !Number.isNaN(written.getTime()) ? written : now };
  });
  return putAbsent(store.documents('bot-state'), records);
};

/**
 * `insights.json`, version 1 or 2: records as documents, aggregates as counters, in the
 * collections and keys InsightsStore uses. Version 2 added `daily`, `entries` and
 * `feedbackCounts`; for version 1 the feedback counts are rebuilt from the feedback records.
 */
const importInsights: Importer = async (data, { store, digest }) => {
  const file = new Fields(data, '');
  const version = file.version([1, 2]);
  // `<ISO time>|legacy-<index>`: time first as InsightsStore's keys, the same on a run again.
  const recordKey = (at: Date, index: number) => `${at.toISOString()}|legacy-${index}`;
  const unanswered = file.list('unanswered').map((item, i) => {
    const f = new Fields(item, `unanswered[${i}]`);
    const at = f.time('at');
    const value: UnansweredQuestion = { text: f.text('text'), lang: f.label('lang') as Lang, at: at.toISOString(), bestEntryId: f.labelOrNull('bestEntryId'), bestConfidence: f.number('bestConfidence') };
    return { key: recordKey(at, i), value, at };
  });
  const feedback = file.list('feedback').map((item, i) => {
    const f = new Fields(item, `feedback[${i}]`);
    const at = f.time('at');
    const value: Feedback = { entryId: f.label('entryId'), helpful: f.boolean('helpful'), lang: f.label('lang') as Lang, at: at.toISOString() };
    return { key: recordKey(at, i), value, at };
  });

  const daily = new Tally();
  file.list('daily', { optional: true }).forEach((item, i) => {
    const f = new Fields(item, `daily[${i}]`);
    const names = ['conversations', 'questions', 'answered', 'fallback', 'smalltalk', 'emergency'] as const;
    daily.add([f.day('day'), f.label('channel'), f.label('lang')], Object.fromEntries(names.map((n) => [n, f.count(n)])));
  });
  const entries = new Tally();
  file.list('entries', { optional: true }).forEach((item, i) => {
    const f = new Fields(item, `entries[${i}]`);
    entries.add([f.day('day'), f.label('entryId')], { count: f.count('count') });
  });
  const feedbackCounts = new Tally();
  if (version === 1) for (const { value } of feedback) feedbackCounts.add([value.at.slice(0, 10), value.lang], value.helpful ? { up: 1 } : { down: 1 });
  else
    file.list('feedbackCounts', { optional: true }).forEach((item, i) => {
      const f = new Fields(item, `feedbackCounts[${i}]`);
      feedbackCounts.add([f.day('day'), f.label('lang')], { up: f.count('up'), down: f.count('down') });
    });
  const checks = new Tally();
  file.list('checkOutcomes', { optional: true }).forEach((item, i) => {
    const f = new Fields(item, `checkOutcomes[${i}]`);
    checks.add([f.day('day'), f.label('flow'), f.label('outcome'), f.label('lang')], { count: f.count('count') });
  });

  const marker = `legacy-${digest}`;
  const counts = await Promise.all([
    putAbsent(store.documents('unanswered-questions'), unanswered),
    putAbsent(store.documents('feedback'), feedback),
    addCountsOnce(store.counters('daily-counts'), daily, marker),
    addCountsOnce(store.counters('entry-counts'), entries, marker),
    addCountsOnce(store.counters('feedback-counts'), feedbackCounts, marker),
    addCountsOnce(store.counters('check-outcomes'), checks, marker),
  ]);
  return counts.reduce((a, b) => a + b, 0);
};

/** `staff-accounts.json`: `{ version: 1, accounts }`, keyed by e-mail address as AccountStore does. */
const importAccounts: Importer = async (data, { store, now }) => {
  const file = new Fields(data, '');
  file.version([1]);
  const records = file.list('accounts').map((item, i) => {
    const f = new Fields(item, `accounts[${i}]`);
    // Lower-case, as AccountStore looks addresses up (the old store wrote them so already).
    const email = f.label('email').trim().toLowerCase();
    const value: StaffAccount = { email, role: f.oneOf('role', STAFF_ROLES), passwordHash: f.label('passwordHash'), createdAt: f.timeText('createdAt'), failedSignIns: f.count('failedSignIns') };
    if (f.has('lockedUntil')) value.lockedUntil = f.timeText('lockedUntil');
    return { key: keyAt(email, `accounts[${i}].email`), value, at: now };
  });
  return putAbsent(store.documents('staff-accounts'), records);
};

/** `staff-sessions.json`: `{ version: 1, sessions }`, keyed by id; expired ones are dropped. */
const importSessions: Importer = async (data, { store, now }) => {
  const file = new Fields(data, '');
  file.version([1]);
  const records = file.list('sessions').flatMap((item, i) => {
    const f = new Fields(item, `sessions[${i}]`);
    const value: StaffSession = { id: f.label('id'), email: f.label('email'), csrfToken: f.label('csrfToken'), expiresAt: f.timeText('expiresAt') };
    if (new Date(value.expiresAt) <= now) return [];
    return [{ key: keyAt(value.id, `sessions[${i}].id`), value, at: now }];
  });
  return putAbsent(store.documents('staff-sessions'), records);
};

/** `audit-log.json`: `{ version: 1, records }`, keyed `<file>|<at>|legacy-<index>` as AuditLog keys them. */
const importAuditLog: Importer = async (data, { store }) => {
  const file = new Fields(data, '');
  file.version([1]);
  const records = file.list('records').map((item, i) => {
    const f = new Fields(item, `records[${i}]`);
    const value: AuditRecord = {
      at: f.timeText('at'),
      who: f.text('who'),
      action: f.oneOf('action', ['create', 'publish', 'restore', 'delete'] as const),
      file: f.label('file'),
      before: f.text('before'),
      after: f.text('after'),
    };
    return { key: keyAt(`${value.file}|${value.at}|legacy-${i}`, `records[${i}]`), value, at: new Date(value.at) };
  });
  return putAbsent(store.documents('audit-log'), records);
};

/** `inbox.json`: `{ version: 1, handled: [{ key, at }] }`, keyed by the question group's key. */
const importInbox: Importer = async (data, { store }) => {
  const file = new Fields(data, '');
  file.version([1]);
  const records = file.list('handled').map((item, i) => {
    const f = new Fields(item, `handled[${i}]`);
    const at = f.time('at');
    return { key: keyAt(f.text('key'), `handled[${i}].key`), value: { at: at.toISOString() }, at };
  });
  return putAbsent(store.documents('inbox-handled'), records);
};

/** The legacy files by name, in the order imported. */
const LEGACY_FILES: readonly (readonly [string, Importer])[] = [
  ['state.json', importBotState],
  ['insights.json', importInsights],
  ['staff-accounts.json', importAccounts],
  ['staff-sessions.json', importSessions],
  ['audit-log.json', importAuditLog],
  ['inbox.json', importInbox],
];

// ---------------------------------------------------------------------------------------------
// Writing, so that a run again (after a crash part-way) writes nothing twice.

/**
 * Writes each document unless its key is stored already: then it is there from an import a crash
 * cut short (same key, same value) or was written since by this version (newer, so it wins).
 * All at once: the embedded store groups them into a few file writes.
 */
async function putAbsent<T>(documents: Documents<T>, records: readonly { key: string; value: T; at: Date }[]): Promise<number> {
  await Promise.all(
    records.map(({ key, value, at }) =>
      documents.put(key, value, { ifVersion: null, at }).catch((error: unknown) => {
        if (!(error instanceof VersionConflictError)) throw error;
      }),
    ),
  );
  return records.length;
}

/**
 * Adds the file's counts to each counter key, and in the same atomic add a marker count named
 * after the file's content (`legacy-<digest>`: 1). A run again skips the keys already marked, so
 * an interrupted import never counts twice, however far it got; counts the key had before (this
 * version counting the same day) are added to, not replaced. Readers only look at the counts
 * they know, so the marker is invisible to them.
 */
async function addCountsOnce(counters: Counters, tally: Tally, marker: string): Promise<number> {
  const done = new Set((await counters.list()).filter(({ counts }) => counts[marker] !== undefined).map(({ key }) => key));
  await Promise.all([...tally.rows].filter(([key]) => !done.has(key)).map(([key, counts]) => counters.add(key, { ...counts, [marker]: 1 })));
  return tally.rows.size;
}

/** Counts by counter key (labels joined by `|`, as InsightsStore does); rows of the same key add up. */
class Tally {
  readonly rows = new Map<string, Record<string, number>>();

  add(labels: readonly string[], counts: Counts): void {
    const key = labels.join('|');
    const row = this.rows.get(key) ?? {};
    for (const [name, n] of Object.entries(counts)) row[name] = (row[name] ?? 0) + n;
    this.rows.set(key, row);
  }
}

// ---------------------------------------------------------------------------------------------
// Shape checks: each value is checked as it is read, and a wrong one says where it is.

/** A file's content not in its expected shape; becomes a LegacyFileError naming the file. */
class ShapeError extends Error {}

const describeValue = (value: unknown): string => {
  if (value === undefined) return 'missing';
  if (value === null || typeof value !== 'object') return JSON.stringify(value).slice(0, 40);
  return Array.isArray(value) ? 'an array' : 'an object';
};

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ShapeError(`${where} should be an object, but is ${describeValue(value)}`);
}

/** A document key read from a file, checked as the store would check it, before anything is written. */
function keyAt(key: string, where: string): string {
  try {
    return checkKey(key);
  } catch (error) {
    throw new ShapeError(`${where}: ${(error as Error).message}`);
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The fields of one object of a file. */
class Fields {
  private readonly fields: Record<string, unknown>;

  /** `where`: the object's place in the file (`unanswered[3]`), empty for the file itself. */
  constructor(
    value: unknown,
    private readonly where: string,
  ) {
    this.fields = objectAt(value, where || 'the file');
  }

  has(name: string): boolean {
    return this.fields[name] !== undefined;
  }

  private get<T>(name: string, valid: (value: unknown) => boolean, expected: string): T {
    const value = this.fields[name];
    if (!valid(value)) throw new ShapeError(`${this.where ? `${this.where}.` : ''}${name} should be ${expected}, but is ${describeValue(value)}`);
    return value as T;
  }

  version<V extends number>(known: readonly V[]): V {
    const value = this.fields.version;
    if (!known.includes(value as V)) throw new ShapeError(`unknown format version ${describeValue(value)} (known: ${known.join(', ')})`);
    return value as V;
  }

  list(name: string, { optional = false } = {}): unknown[] {
    if (optional && !this.has(name)) return [];
    return this.get(name, Array.isArray, 'an array');
  }

  text(name: string): string {
    return this.get(name, (v) => typeof v === 'string', 'a string');
  }

  /** A non-empty string without `|` (counter keys join labels with it). */
  label(name: string): string {
    return this.get(name, (v) => typeof v === 'string' && v.length > 0 && !v.includes('|'), 'a non-empty string without "|"');
  }

  labelOrNull(name: string): string | null {
    return this.fields[name] === null ? null : this.label(name);
  }

  number(name: string): number {
    return this.get(name, Number.isFinite, 'a number');
  }

  count(name: string): number {
    return this.get(name, (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a whole number ≥ 0');
  }

  boolean(name: string): boolean {
    return this.get(name, (v) => typeof v === 'boolean', 'true or false');
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T {
    return this.get(name, (v) => values.includes(v as T), `one of ${values.join(', ')}`);
  }

  /** A time, as the string the file has (kept as it was written). */
  timeText(name: string): string {
    return this.get(name, (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'an ISO time');
  }

  time(name: string): Date {
    return new Date(this.timeText(name));
  }

  /** YYYY-MM-DD. */
  day(name: string): string {
    return this.get(name, (v) => typeof v === 'string' && DAY.test(v), 'a day (YYYY-MM-DD)');
  }
}
