import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DurableJSONFile } from './durable-json-file.js';
import {
  checkCollectionName,
  checkKey,
  MAX_BROADCAST_LENGTH,
  VersionConflictError,
  type Broadcast,
  type Counters,
  type Counts,
  type DocumentChange,
  type Documents,
  type ListOptions,
  type Store,
  type StoredDocument,
  type WriteOptions,
} from './store.js';

/** A document as the file keeps it: short names, the time as ISO text. */
interface FileDocument {
  v: unknown;
  version: string;
  at: string;
}
interface CollectionFile {
  format: 1;
  kind: 'documents' | 'counters';
  items: Record<string, unknown>;
}

/**
 * One collection's items in memory, written whole to `<dir>/<name>.json` after every change by
 * lowdb (atomically, with writes grouped while one is on its way to disk: see DurableJSONFile), or
 * kept in memory only. A Map, not an object, so any key is safe (`__proto__` included).
 */
class CollectionItems<T> {
  readonly items = new Map<string, T>();
  private sorted: string[] | undefined;
  private lastWrite: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Low<CollectionFile | null> | undefined,
    private readonly kind: CollectionFile['kind'],
  ) {}

  static async open<T>(file: string | undefined, kind: CollectionFile['kind']): Promise<CollectionItems<T>> {
    const db = file ? new Low<CollectionFile | null>(new DurableJSONFile<CollectionFile | null>(file), null) : undefined;
    await db?.read();
    const collection = new CollectionItems<T>(db, kind);
    const data = db?.data;
    if (data) {
      if (data.format !== 1 || data.kind !== kind || typeof data.items !== 'object') throw new Error(`${file}: not a ${kind} collection of format 1`);
      for (const [key, item] of Object.entries(data.items)) collection.items.set(key, item as T);
    }
    return collection;
  }

  /** Keys in order, kept sorted between changes that add or remove keys. */
  keys(): readonly string[] {
    this.sorted ??= [...this.items.keys()].sort();
    return this.sorted;
  }

  set(key: string, item: T): void {
    if (!this.items.has(key)) this.sorted = undefined;
    this.items.set(key, item);
  }

  delete(key: string): boolean {
    const existed = this.items.delete(key);
    if (existed) this.sorted = undefined;
    return existed;
  }

  /** Resolves once the collection as it is now (or newer) is on disk. */
  persist(): Promise<void> {
    if (!this.db) return Promise.resolve();
    // Serialised when the write really happens: one write carries every change made before it.
    const payload = { toJSON: (): CollectionFile => ({ format: 1, kind: this.kind, items: Object.fromEntries(this.items) }) };
    this.db.data = payload as unknown as CollectionFile;
    this.lastWrite = this.db.write();
    return this.lastWrite;
  }

  flushed(): Promise<void> {
    return this.lastWrite.catch(() => undefined);
  }
}

const clone = <T>(value: T): T => structuredClone(value);
const toStored = <T>(key: string, doc: FileDocument): StoredDocument<T> => ({ key, value: clone(doc.v) as T, version: doc.version, updatedAt: new Date(doc.at) });

function conflicts(doc: FileDocument | undefined, ifVersion: string | null | undefined): boolean {
  if (ifVersion === undefined) return false;
  return ifVersion === null ? doc !== undefined : doc?.version !== ifVersion;
}

class EmbeddedDocuments<T> implements Documents<T> {
  private c!: CollectionItems<FileDocument>;
  private readonly ready: Promise<void>;

  constructor(items: Promise<CollectionItems<FileDocument>>) {
    this.ready = items.then((c) => {
      this.c = c;
    });
    // A bad file fails every call; it must not also be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  async get(key: string): Promise<StoredDocument<T> | undefined> {
    await this.ready;
    const doc = this.c.items.get(key);
    return doc && toStored<T>(key, doc);
  }

  async getMany(keys: readonly string[]): Promise<StoredDocument<T>[]> {
    await this.ready;
    return keys.flatMap((key) => {
      const doc = this.c.items.get(key);
      return doc ? [toStored<T>(key, doc)] : [];
    });
  }

  async put(key: string, value: T, options: WriteOptions = {}): Promise<string> {
    await this.ready;
    checkKey(key);
    if (conflicts(this.c.items.get(key), options.ifVersion)) throw new VersionConflictError([key]);
    const version = randomUUID();
    this.c.set(key, { v: clone(value), version, at: (options.at ?? new Date()).toISOString() });
    await this.c.persist();
    return version;
  }

  async apply(changes: readonly DocumentChange<T>[], at = new Date()): Promise<ReadonlyMap<string, string>> {
    await this.ready;
    // Checked before anything changes, and nothing can interleave: all or none.
    const stale = changes.filter((change) => conflicts(this.c.items.get(checkKey(change.key)), change.ifVersion)).map((change) => change.key);
    if (stale.length > 0) throw new VersionConflictError(stale);
    const versions = new Map<string, string>();
    for (const { key, value } of changes) {
      if (value === null) {
        this.c.delete(key);
        continue;
      }
      const version = randomUUID();
      this.c.set(key, { v: clone(value), version, at: at.toISOString() });
      versions.set(key, version);
    }
    await this.c.persist();
    return versions;
  }

  async delete(keys: readonly string[]): Promise<number> {
    await this.ready;
    let removed = 0;
    for (const key of keys) if (this.c.delete(key)) removed++;
    if (removed > 0) await this.c.persist();
    return removed;
  }

  async list(options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    await this.ready;
    const result: StoredDocument<T>[] = [];
    for (const key of matchingKeys(this.c.keys(), options)) {
      if (options.limit !== undefined && result.length >= options.limit) break;
      result.push(toStored<T>(key, this.c.items.get(key)!));
    }
    return result;
  }

  async deleteWrittenBefore(cutoff: Date, options: Pick<ListOptions, 'prefix'> = {}): Promise<number> {
    await this.ready;
    const before = cutoff.toISOString();
    const old = [...matchingKeys(this.c.keys(), options)].filter((key) => this.c.items.get(key)!.at < before);
    return this.delete(old);
  }
}

/** Keys (sorted) with the prefix and after `after`: found by binary search, not a scan. */
function* matchingKeys(sorted: readonly string[], { prefix = '', after }: ListOptions): Generator<string> {
  const from = after !== undefined && after >= prefix ? after : prefix;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < from) low = mid + 1;
    else high = mid;
  }
  for (let i = low; i < sorted.length; i++) {
    const key = sorted[i]!;
    if (!key.startsWith(prefix)) return;
    if (after !== undefined && key <= after) continue;
    yield key;
  }
}

class EmbeddedCounters implements Counters {
  private c!: CollectionItems<Record<string, number>>;
  private readonly ready: Promise<void>;

  constructor(items: Promise<CollectionItems<Record<string, number>>>) {
    this.ready = items.then((c) => {
      this.c = c;
    });
    // A bad file fails every call; it must not also be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  async add(key: string, deltas: Counts): Promise<Counts> {
    await this.ready;
    checkKey(key);
    const counts = { ...this.c.items.get(key) };
    for (const [name, delta] of Object.entries(deltas)) counts[name] = (counts[name] ?? 0) + delta;
    this.c.set(key, counts);
    await this.c.persist();
    return { ...counts };
  }

  async list(options: Pick<ListOptions, 'prefix'> = {}): Promise<{ key: string; counts: Counts }[]> {
    await this.ready;
    return [...matchingKeys(this.c.keys(), options)].map((key) => ({ key, counts: { ...this.c.items.get(key) } }));
  }
}

/** The broadcast of a single process: every subscriber is in it. */
class LocalBroadcast implements Broadcast {
  private readonly topics = new Map<string, Set<(message: string) => void>>();

  async publish(topic: string, message: string): Promise<void> {
    if (message.length > MAX_BROADCAST_LENGTH) throw new Error(`broadcast messages are at most ${MAX_BROADCAST_LENGTH} characters`);
    // Delivered after the publisher's current step, as from another process.
    for (const listener of this.topics.get(topic) ?? []) queueMicrotask(() => listener(message));
  }

  async subscribe(topic: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    const listeners = this.topics.get(topic) ?? new Set();
    this.topics.set(topic, listeners);
    // A wrapper, so the same function subscribed twice is two subscriptions.
    const entry = (message: string) => listener(message);
    listeners.add(entry);
    return async () => {
      listeners.delete(entry);
    };
  }
}

/**
 * The embedded backend: one JSON file per collection under a folder (the default, under
 * DATA_DIR), or memory only (for what must never reach the disk, and tests). One process owns
 * the folder (each collection is kept in memory and written whole: a second writer's changes
 * would be lost): the server and the CLIs that write claim it first, see owner-lock.ts. Several
 * instances need PostgreSQL.
 */
export class EmbeddedStore implements Store {
  readonly kind = 'embedded' as const;
  readonly broadcast: Broadcast = new LocalBroadcast();
  private readonly collections = new Map<string, { kind: CollectionFile['kind']; items: CollectionItems<never> }>();

  private constructor(private readonly dir: string | undefined) {}

  static async open(dir: string): Promise<EmbeddedStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new EmbeddedStore(dir);
  }

  static async inMemory(): Promise<EmbeddedStore> {
    return new EmbeddedStore(undefined);
  }

  documents<T>(collection: string): Documents<T> {
    return new EmbeddedDocuments<T>(this.itemsOf<FileDocument>(collection, 'documents'));
  }

  counters(collection: string): Counters {
    return new EmbeddedCounters(this.itemsOf<Record<string, number>>(collection, 'counters'));
  }

  async health() {
    return { ok: true };
  }

  async close(): Promise<void> {
    const opened = await Promise.all([...this.collections.values()].map((c) => c.items));
    await Promise.all(opened.map((items) => items.flushed()));
  }

  private itemsOf<I>(name: string, kind: CollectionFile['kind']): Promise<CollectionItems<I>> {
    checkCollectionName(name);
    let entry = this.collections.get(name);
    if (!entry) {
      const file = this.dir && path.join(this.dir, `${name}.json`);
      entry = { kind, items: CollectionItems.open<never>(file, kind) as never };
      this.collections.set(name, entry);
    }
    if (entry.kind !== kind) throw new Error(`collection "${name}" holds ${entry.kind}, not ${kind}`);
    return entry.items as unknown as Promise<CollectionItems<I>>;
  }
}
