import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { RahnamaError } from '../errors.js';
import { AppendLog } from './append-log.js';
import { DurableJSONFile } from './durable-json-file.js';

/**
 * How the embedded store keeps one collection on disk: a snapshot and, in front of it, logs of the
 * changes made since (an append-only log with compaction), so that a change costs its own size
 * and not the collection's.
 *
 * - `<name>.json`, the snapshot: `{"format":2,"kind":…,"log":N,"items":{key: item}}`, written
 *   whole and atomically by lowdb through its adapter API (`Low` over `DurableJSONFile`).
 * - `<name>.<n>.log`, for n ≥ N: one line per change (`[[key, item or null], …]`, all or none of a
 *   `Documents.apply`), flushed before the change is acknowledged. lowdb has no way to append, so
 *   the logs are written beside it (`AppendLog`), not through it.
 *
 * A compaction writes a new snapshot of everything, which points past the current log, then
 * deletes the logs before it; appends meanwhile go to the next log, so they do not wait. It runs
 * when the logs have grown as large as the snapshot (its cost, spread over the changes that grew
 * them, stays the same per change whatever the size), and within a minute of a deletion, so
 * that deleted data (`/forget`, retention) does not stay in a file. A collection whose files
 * are small (under `REWRITE_BELOW_BYTES`) is simply rewritten at each change, as cheap as an
 * append at that size: then its `.json` alone is the data.
 *
 * A crash at any moment leaves a snapshot and the logs after it: the old snapshot (it is replaced
 * by a rename) with every log it points to, or the new one. Reading replays the logs in order
 * and drops a last line cut short (never acknowledged). Anything else unreadable stops start-up
 * with `RAHNAMA_STORE_FILE_INVALID` naming the file.
 */

export type CollectionKind = 'documents' | 'counters';
/** One change: the key and its new item, or `null` to delete it. */
export type Change = readonly [key: string, item: unknown];

/** Below this size (snapshot and logs), a change rewrites the snapshot rather than being appended. */
export const REWRITE_BELOW_BYTES = 256 * 1024;
/** Deleted data leaves the files within this time (see `eraseSoon`). */
export const ERASE_WITHIN_MS = 60_000;
const FORMAT = 2;

/** The snapshot as lowdb holds it: items as read (an object) or as written (a Map, written as an object). */
interface Snapshot {
  format: 1 | 2;
  kind: CollectionKind;
  /** The first log after this snapshot (format 1 had no logs). */
  log?: number;
  items: Record<string, unknown> | ReadonlyMap<string, unknown>;
}

const SNAPSHOT = /^([a-z][a-z0-9-]{0,62})\.json$/;
const LOG = /^([a-z][a-z0-9-]{0,62})\.(\d{1,15})\.log$/;

const invalid = (file: string, reason: string, cause?: unknown) => new RahnamaError('RAHNAMA_STORE_FILE_INVALID', [file, reason], cause === undefined ? undefined : { cause });

/** Checks one stored item of a collection of `kind`; the reason it is not one, or undefined. */
function itemProblem(kind: CollectionKind, item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'an item is not an object';
  if (kind === 'counters') return Object.values(item).every((n) => typeof n === 'number') ? undefined : 'a counter is not a number';
  const doc = item as { v?: unknown; version?: unknown; at?: unknown };
  return 'v' in doc && typeof doc.version === 'string' && typeof doc.at === 'string' ? undefined : 'a document lacks its value, version or time';
}

export class CollectionFiles {
  private readonly db: Low<Snapshot | null>;
  /** The log being appended to (opened at its first record) and its number. */
  private log: AppendLog | undefined;
  private logNumber: number;
  /** The logs on disk, by number: those before the snapshot's go once a newer snapshot is written. */
  private readonly logsOnDisk = new Set<number>();
  private snapshotBytes = 0;
  private logBytes = 0;
  private hasSnapshot: boolean;
  private compacting: Promise<void> = Promise.resolve();
  private nextCompaction: Promise<void> | undefined;
  /** When the last compaction started (ms), and the erasure waiting for its turn. */
  private lastCompaction = 0;
  private eraseTimer: NodeJS.Timeout | undefined;
  /** The logs read at open delete something that is still in the files. */
  private erasePending = false;
  /** Closed: nothing more is written (a late writer must not leave files behind a shutdown). */
  private closed = false;

  private constructor(
    private readonly dir: string,
    readonly name: string,
    readonly kind: CollectionKind,
    /** The collection's items now, for a snapshot (the caller never changes an item in place). */
    private readonly items: () => ReadonlyMap<string, unknown>,
    snapshot: { exists: boolean; bytes: number; firstLog: number },
    db?: Low<Snapshot | null>,
  ) {
    this.db = db ?? CollectionFiles.snapshotOf(path.join(dir, `${name}.json`));
    this.hasSnapshot = snapshot.exists;
    this.snapshotBytes = snapshot.bytes;
    this.logNumber = snapshot.firstLog;
  }

  /** The snapshot file through lowdb, on the adapter that writes it atomically. */
  private static snapshotOf(file: string): Low<Snapshot | null> {
    return new Low<Snapshot | null>(new DurableJSONFile<Snapshot | null>(file), null);
  }

  /** A collection with no files yet: its first change writes its snapshot. */
  static create(dir: string, name: string, kind: CollectionKind, items: () => ReadonlyMap<string, unknown>): CollectionFiles {
    return new CollectionFiles(dir, name, kind, items, { exists: false, bytes: 0, firstLog: 0 });
  }

  /**
   * Every collection stored in `dir`: each snapshot read and its logs replayed, checked
   * throughout, into the Map `into(name, kind)` gives (which the collection's files then keep
   * snapshotting).
   */
  static async loadAll(dir: string, into: (name: string, kind: CollectionKind) => Map<string, unknown>): Promise<CollectionFiles[]> {
    const names = await readdir(dir);
    const logs = new Map<string, number[]>();
    for (const file of names) {
      const match = LOG.exec(file);
      if (match) logs.set(match[1]!, [...(logs.get(match[1]!) ?? []), Number(match[2])]);
    }
    const loaded: CollectionFiles[] = [];
    for (const file of names) {
      const name = SNAPSHOT.exec(file)?.[1];
      if (name) loaded.push(await CollectionFiles.load(dir, name, (logs.get(name) ?? []).sort((a, b) => a - b), into));
    }
    for (const [name, numbers] of logs) {
      if (!names.includes(`${name}.json`)) throw invalid(path.join(dir, `${name}.${numbers[0]}.log`), `a log without its collection file ${name}.json`);
    }
    return loaded;
  }

  private static async load(dir: string, name: string, logNumbers: readonly number[], into: (name: string, kind: CollectionKind) => Map<string, unknown>): Promise<CollectionFiles> {
    const file = path.join(dir, `${name}.json`);
    const db = CollectionFiles.snapshotOf(file);
    try {
      await db.read();
    } catch (error) {
      throw invalid(file, (error as Error).cause instanceof SyntaxError ? `not valid JSON (${((error as Error).cause as Error).message})` : (error as Error).message, error);
    }
    const snapshot = db.data;
    if (!snapshot || (snapshot.format !== 1 && snapshot.format !== FORMAT)) throw invalid(file, `not a collection file of format 1 or ${FORMAT}`);
    const { kind } = snapshot;
    if (kind !== 'documents' && kind !== 'counters') throw invalid(file, `unknown kind of collection "${String(kind)}"`);
    const firstLog = snapshot.format === 1 ? 0 : snapshot.log;
    if (!Number.isSafeInteger(firstLog) || firstLog! < 0) throw invalid(file, 'no valid log number');
    if (typeof snapshot.items !== 'object' || snapshot.items === null || Array.isArray(snapshot.items)) throw invalid(file, 'no items');
    const items = into(name, kind);
    const stored = snapshot.items as Record<string, unknown>;
    // for…in, not Object.entries: no array of pairs for a collection of a few hundred thousand items. JSON.parse makes no inherited keys.
    for (const key in stored) {
      const item = stored[key];
      const problem = itemProblem(kind, item);
      if (problem) throw invalid(file, `${problem} (key ${JSON.stringify(key.slice(0, 80))})`);
      items.set(key, item);
    }
    db.data = null;
    const files = new CollectionFiles(dir, name, kind, () => items, { exists: true, bytes: (await stat(file)).size, firstLog: firstLog! }, db);
    for (const number of logNumbers) {
      const logFile = files.logFile(number);
      // Before the snapshot: left by a crash between writing it and deleting them. Already in it.
      if (number < firstLog!) {
        await unlink(logFile).catch(() => undefined);
        continue;
      }
      const replayed = await replay(logFile, kind, items);
      files.logBytes += replayed.bytes;
      // Deleted before a crash could erase it: still to be erased, by the first writer (not by a reader opening the folder).
      if (replayed.deletes) files.erasePending = true;
      files.logsOnDisk.add(number);
      // Appends go to a file of their own: this one may end in a line cut short.
      files.logNumber = number + 1;
    }
    return files;
  }

  private get snapshotFile(): string {
    return path.join(this.dir, `${this.name}.json`);
  }

  private logFile(number: number): string {
    return path.join(this.dir, `${this.name}.${number}.log`);
  }

  /** Stores changes already made to the items; resolves once they are on disk. */
  record(changes: readonly Change[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`collection "${this.name}": the store is closed`));
    if (this.erasePending) {
      this.erasePending = false;
      this.eraseSoon();
    }
    if (!this.hasSnapshot || this.snapshotBytes + this.logBytes < REWRITE_BELOW_BYTES) return this.compact();
    const line = JSON.stringify(changes);
    if (!this.log) {
      this.log = new AppendLog(this.logFile(this.logNumber));
      this.logsOnDisk.add(this.logNumber);
    }
    const log = this.log;
    this.logBytes += Buffer.byteLength(line) + 1;
    const appended = log.append(line).catch((error: unknown) => {
      // Its end may be cut short: later changes go to a new log (read after this one).
      if (this.log === log) {
        this.log = undefined;
        this.logNumber++;
      }
      throw error;
    });
    // The logs are as large as the data: time to fold them in. In the background, as appends go on.
    if (this.logBytes > Math.max(this.snapshotBytes, REWRITE_BELOW_BYTES)) this.compact().catch(() => undefined);
    else if (changes.some(([, item]) => item === null)) this.eraseSoon();
    return appended;
  }

  /**
   * Deleted data must leave the files, not wait for the logs to grow: a compaction within
   * `ERASE_WITHIN_MS` of the deletion (or at close), at most one per that time, so that frequent
   * deletions do not rewrite a large collection again and again.
   */
  private eraseSoon(): void {
    if (this.eraseTimer) return;
    const wait = Math.max(0, this.lastCompaction + ERASE_WITHIN_MS - Date.now());
    this.eraseTimer = setTimeout(() => {
      this.eraseTimer = undefined;
      this.compact().catch(() => undefined);
    }, wait).unref();
  }

  /**
   * Writes a snapshot of the items as they are when it starts, then deletes the logs it holds.
   * Resolves once a snapshot at least as new as the call is on disk; compactions asked for
   * while one runs become one next compaction.
   */
  compact(): Promise<void> {
    this.nextCompaction ??= this.compacting
      .catch(() => undefined)
      .then(() => {
        this.nextCompaction = undefined;
        this.compacting = this.writeSnapshot();
        return this.compacting;
      });
    return this.nextCompaction;
  }

  private async writeSnapshot(): Promise<void> {
    this.lastCompaction = Date.now();
    // This one erases whatever was deleted so far.
    clearTimeout(this.eraseTimer);
    this.eraseTimer = undefined;
    // The items now, and a new log for every change from here on: together they are the data.
    const items = new Map(this.items());
    const previous = this.log;
    const foldedBytes = this.logBytes;
    this.log = undefined;
    this.logNumber++;
    this.logBytes = 0;
    const firstLog = this.logNumber;
    this.db.data = { format: FORMAT, kind: this.kind, log: firstLog, items };
    try {
      await this.db.write();
    } catch (error) {
      // Nothing was replaced: the logs on disk still hold those changes, and the next compaction folds them in.
      this.logBytes += foldedBytes;
      throw error;
    } finally {
      this.db.data = null;
      // Its last appends finish first; nothing more goes to it.
      await previous?.close();
    }
    this.hasSnapshot = true;
    this.snapshotBytes = (await stat(this.snapshotFile)).size;
    const folded = [...this.logsOnDisk].filter((n) => n < firstLog);
    for (const number of folded) this.logsOnDisk.delete(number);
    await Promise.all(folded.map((n) => unlink(this.logFile(n)).catch(() => undefined)));
  }

  /** Waits for the writes asked for and a pending erasure; the logs stay (the next start reads them). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.eraseTimer) {
      clearTimeout(this.eraseTimer);
      this.eraseTimer = undefined;
      await this.compact().catch(() => undefined);
    }
    await (this.nextCompaction ?? this.compacting).catch(() => undefined);
    await this.log?.close();
  }
}

/** Applies one log's changes to `items`; returns the log's size and whether it deletes anything. */
async function replay(file: string, kind: CollectionKind, items: Map<string, unknown>): Promise<{ bytes: number; deletes: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw invalid(file, (error as Error).message, error);
  }
  // A last line without its newline was being written when the process stopped: never acknowledged.
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  lines.pop();
  let deletes = false;
  for (const [index, line] of lines.entries()) {
    let changes: unknown;
    try {
      changes = JSON.parse(line);
    } catch {
      throw invalid(file, `line ${index + 1} is not JSON`);
    }
    if (!Array.isArray(changes)) throw invalid(file, `line ${index + 1} is not a list of changes`);
    for (const change of changes) {
      const [key, item] = Array.isArray(change) ? (change as unknown[]) : [];
      const problem = typeof key !== 'string' ? 'a change without a key' : item === null ? undefined : itemProblem(kind, item);
      if (problem) throw invalid(file, `line ${index + 1}: ${problem}`);
      if (item === null) deletes = items.delete(key as string) || deletes;
      else items.set(key as string, item);
    }
  }
  return { bytes: Buffer.byteLength(text), deletes };
}
