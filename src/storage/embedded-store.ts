import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { CollectionFiles, type Change, type CollectionKind } from './collection-files.js';
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

/** A document as the files keep it: short names, the time as ISO text. */
interface FileDocument {
  v: unknown;
  version: string;
  at: string;
}

/**
 * One collection's items in memory, and its files (see collection-files.ts), or none (memory
 * only). A Map, not an object, so any key is safe (`__proto__` included). Items are replaced,
 * never changed in place: a snapshot being written holds the ones of its moment.
 */
class CollectionItems<T> {
  private sorted: string[] | undefined;

  constructor(
    readonly items: Map<string, T>,
    readonly files: CollectionFiles | undefined,
  ) {}

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

  /** Resolves once these changes, already made here, are on disk. */
  persist(changes: readonly Change[]): Promise<void> {
    return this.files?.record(changes) ?? Promise.resolve();
  }
}

const clone = <T>(value: T): T => structuredClone(value);
const toStored = <T>(key: string, doc: FileDocument): StoredDocument<T> => ({ key, value: clone(doc.v) as T, version: doc.version, updatedAt: new Date(doc.at) });

function conflicts(doc: FileDocument | undefined, ifVersion: string | null | undefined): boolean {
  if (ifVersion === undefined) return false;
  return ifVersion === null ? doc !== undefined : doc?.version !== ifVersion;
}

class EmbeddedDocuments<T> implements Documents<T> {
  constructor(private readonly c: CollectionItems<FileDocument>) {}

  async get(key: string): Promise<StoredDocument<T> | undefined> {
    const doc = this.c.items.get(key);
    return doc && toStored<T>(key, doc);
  }

  async getMany(keys: readonly string[]): Promise<StoredDocument<T>[]> {
    return keys.flatMap((key) => {
      const doc = this.c.items.get(key);
      return doc ? [toStored<T>(key, doc)] : [];
    });
  }

  async put(key: string, value: T, options: WriteOptions = {}): Promise<string> {
    checkKey(key);
    if (conflicts(this.c.items.get(key), options.ifVersion)) throw new VersionConflictError([key]);
    const version = randomUUID();
    const doc = { v: clone(value), version, at: (options.at ?? new Date()).toISOString() };
    this.c.set(key, doc);
    await this.c.persist([[key, doc]]);
    return version;
  }

  async apply(changes: readonly DocumentChange<T>[], at = new Date()): Promise<ReadonlyMap<string, string>> {
    // Checked before anything changes, and nothing can interleave: all or none.
    const stale = changes.filter((change) => conflicts(this.c.items.get(checkKey(change.key)), change.ifVersion)).map((change) => change.key);
    if (stale.length > 0) throw new VersionConflictError(stale);
    const versions = new Map<string, string>();
    const made: Change[] = [];
    for (const { key, value } of changes) {
      if (value === null) {
        if (this.c.delete(key)) made.push([key, null]);
        continue;
      }
      const doc = { v: clone(value), version: randomUUID(), at: at.toISOString() };
      this.c.set(key, doc);
      versions.set(key, doc.version);
      made.push([key, doc]);
    }
    if (made.length > 0) await this.c.persist(made);
    return versions;
  }

  async delete(keys: readonly string[]): Promise<number> {
    const removed: Change[] = keys.filter((key) => this.c.delete(key)).map((key) => [key, null]);
    if (removed.length > 0) await this.c.persist(removed);
    return removed.length;
  }

  async list(options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    const result: StoredDocument<T>[] = [];
    for (const key of matchingKeys(this.c.keys(), options)) {
      if (options.limit !== undefined && result.length >= options.limit) break;
      result.push(toStored<T>(key, this.c.items.get(key)!));
    }
    return result;
  }

  async deleteWrittenBefore(cutoff: Date, options: Pick<ListOptions, 'prefix'> = {}): Promise<number> {
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
  constructor(private readonly c: CollectionItems<Record<string, number>>) {}

  async add(key: string, deltas: Counts): Promise<Counts> {
    checkKey(key);
    const counts = { ...this.c.items.get(key) };
    for (const [name, delta] of Object.entries(deltas)) counts[name] = (counts[name] ?? 0) + delta;
    this.c.set(key, counts);
    await this.c.persist([[key, counts]]);
    return { ...counts };
  }

  async list(options: Pick<ListOptions, 'prefix'> = {}): Promise<{ key: string; counts: Counts }[]> {
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
 * The embedded backend: each collection in memory and in files under a folder (the default,
 * under DATA_DIR: a snapshot and logs of the changes since, see collection-files.ts), or memory
 * only (for what must never reach the disk, and tests). Opening reads and checks every file, so
 * a bad one stops start-up with `RAHNAMA_STORE_FILE_INVALID` naming it. One process owns the
 * folder (what it holds in memory is what it writes: a second writer's changes would be lost):
 * the server and the CLIs that write claim it first, see owner-lock.ts. Several instances need
 * PostgreSQL.
 */
export class EmbeddedStore implements Store {
  readonly kind = 'embedded' as const;
  readonly broadcast: Broadcast = new LocalBroadcast();
  private readonly collections = new Map<string, { kind: CollectionKind; items: CollectionItems<unknown> }>();

  private constructor(private readonly dir: string | undefined) {}

  static async open(dir: string): Promise<EmbeddedStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new EmbeddedStore(dir);
    const maps = new Map<string, Map<string, unknown>>();
    const loaded = await CollectionFiles.loadAll(dir, (name) => {
      const items = new Map<string, unknown>();
      maps.set(name, items);
      return items;
    });
    for (const files of loaded) store.collections.set(files.name, { kind: files.kind, items: new CollectionItems(maps.get(files.name)!, files) });
    return store;
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

  /** Folds every collection's logs into its snapshot now (the bench; otherwise this happens by itself). */
  async compact(): Promise<void> {
    await Promise.all([...this.collections.values()].map((c) => c.items.files?.compact()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.collections.values()].map((c) => c.items.files?.close()));
  }

  private itemsOf<I>(name: string, kind: CollectionKind): CollectionItems<I> {
    checkCollectionName(name);
    let entry = this.collections.get(name);
    if (!entry) {
      const items = new Map<string, unknown>();
      entry = { kind, items: new CollectionItems(items, this.dir ? CollectionFiles.create(this.dir, name, kind, () => items) : undefined) };
      this.collections.set(name, entry);
    }
    if (entry.kind !== kind) throw new Error(`collection "${name}" holds ${entry.kind}, not ${kind}`);
    return entry.items as CollectionItems<I>;
  }
}
