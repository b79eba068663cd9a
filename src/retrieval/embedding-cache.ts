/**
 * Disk cache of passage embeddings, so a restart does not re-embed an unchanged
 * knowledge base.
 *
 * One file per model key under `dir`. Entries are keyed by sha256 of the passage
 * text; the model key (see `embeddingModelKey`) carries model id, dtype and passage
 * prefix, so a change to any of them starts a fresh file.
 *
 * Pruning: `flush()` keeps only entries touched (read with `get` or written with
 * `set`) since `open`, so passages deleted from the knowledge base do not pile up.
 * Call `get`/`set` for every live passage before flushing (`embedPassagesCached`
 * does).
 *
 * File format (all integers little-endian):
 *   magic "RHNEMB" | u16 version | u32 keyBytes | modelKey (utf8) | u32 dimensions |
 *   u32 count | count x (32-byte sha256 | dimensions x f32) | 32-byte sha256 of all preceding bytes
 * A file with another version, another model key, a bad checksum or a wrong length
 * is ignored with a warning and rebuilt on the next flush.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../storage/atomic-file.js';
import type { Embedder, EmbedderOptions } from './embedder.js';

/** Bump when the layout changes; older files are then ignored and rebuilt. */
export const EMBEDDING_CACHE_FORMAT_VERSION = 1;

const MAGIC = Buffer.from('RHNEMB', 'ascii');
const HASH_BYTES = 32;
const FLOAT_BYTES = 4;

export interface EmbeddingCacheOptions {
  /** Receives a message when an existing cache file is unusable. Default: console.warn. */
  warn?: (message: string) => void;
}

/** The cache key for a model: vectors change with the model, its weights variant and the passage prefix. */
export function embeddingModelKey(options: Pick<EmbedderOptions, 'modelId' | 'dtype' | 'passagePrefix'>): string {
  return `${options.modelId}|${options.dtype}|${options.passagePrefix}`;
}

/** File name for a model key: readable part plus a hash, since keys may hold '/' or spaces. */
export function embeddingCacheFileName(modelKey: string): string {
  const readable = modelKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const digest = createHash('sha256').update(modelKey).digest('hex').slice(0, 12);
  return `${readable}-${digest}.bin`;
}

function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

interface DecodedCache {
  dimensions: number;
  entries: Map<string, Float32Array>;
}

class CacheFormatError extends Error {}

function decode(bytes: Buffer, modelKey: string): DecodedCache {
  let offset = 0;
  const need = (n: number) => {
    if (offset + n > bytes.length) throw new CacheFormatError('file is truncated');
  };
  need(MAGIC.length + 2);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new CacheFormatError('not an embedding cache file');
  offset = MAGIC.length;
  const version = bytes.readUInt16LE(offset);
  offset += 2;
  if (version !== EMBEDDING_CACHE_FORMAT_VERSION) {
    throw new CacheFormatError(`format version ${version}, expected ${EMBEDDING_CACHE_FORMAT_VERSION}`);
  }

  // Checksum before parsing further, so corruption anywhere is caught uniformly.
  if (bytes.length < offset + HASH_BYTES) throw new CacheFormatError('file is truncated');
  const bodyEnd = bytes.length - HASH_BYTES;
  const expected = createHash('sha256').update(bytes.subarray(0, bodyEnd)).digest();
  if (!expected.equals(bytes.subarray(bodyEnd))) throw new CacheFormatError('checksum mismatch');

  need(4);
  const keyBytes = bytes.readUInt32LE(offset);
  offset += 4;
  need(keyBytes);
  const storedKey = bytes.toString('utf8', offset, offset + keyBytes);
  offset += keyBytes;
  if (storedKey !== modelKey) throw new CacheFormatError(`written for model key "${storedKey}"`);

  need(8);
  const dimensions = bytes.readUInt32LE(offset);
  const count = bytes.readUInt32LE(offset + 4);
  offset += 8;
  const entryBytes = HASH_BYTES + dimensions * FLOAT_BYTES;
  if (offset + count * entryBytes !== bodyEnd) throw new CacheFormatError('length does not match entry count');

  const entries = new Map<string, Float32Array>();
  for (let i = 0; i < count; i++) {
    const hash = bytes.toString('hex', offset, offset + HASH_BYTES);
    offset += HASH_BYTES;
    const vector = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d++) vector[d] = bytes.readFloatLE(offset + d * FLOAT_BYTES);
    offset += dimensions * FLOAT_BYTES;
    entries.set(hash, vector);
  }
  return { dimensions, entries };
}

function encode(modelKey: string, dimensions: number, entries: ReadonlyMap<string, Float32Array>): Buffer {
  const key = Buffer.from(modelKey, 'utf8');
  const headerBytes = MAGIC.length + 2 + 4 + key.length + 8;
  const entryBytes = HASH_BYTES + dimensions * FLOAT_BYTES;
  const bytes = Buffer.alloc(headerBytes + entries.size * entryBytes + HASH_BYTES);

  let offset = MAGIC.copy(bytes, 0);
  offset = bytes.writeUInt16LE(EMBEDDING_CACHE_FORMAT_VERSION, offset);
  offset = bytes.writeUInt32LE(key.length, offset);
  offset += key.copy(bytes, offset);
  offset = bytes.writeUInt32LE(dimensions, offset);
  offset = bytes.writeUInt32LE(entries.size, offset);
  for (const [hash, vector] of entries) {
    offset += bytes.write(hash, offset, HASH_BYTES, 'hex');
    for (const value of vector) offset = bytes.writeFloatLE(value, offset);
  }
  createHash('sha256').update(bytes.subarray(0, offset)).digest().copy(bytes, offset);
  return bytes;
}

export class EmbeddingCache {
  private readonly entries: Map<string, Float32Array>;
  private readonly touched = new Set<string>();
  private dirty = false;
  private pendingFlush: Promise<void> = Promise.resolve();

  private constructor(
    /** Full path of the cache file. */
    readonly filePath: string,
    readonly modelKey: string,
    private vectorLength: number | undefined,
    entries: Map<string, Float32Array>,
    private readonly warn: (message: string) => void,
  ) {
    this.entries = entries;
  }

  /** Opens (or starts empty) the cache for `modelKey` in `dir`. Never throws for a bad file: it warns and starts empty. */
  static async open(dir: string, modelKey: string, options: EmbeddingCacheOptions = {}): Promise<EmbeddingCache> {
    const warn = options.warn ?? ((message: string) => console.warn(message));
    const filePath = join(dir, embeddingCacheFileName(modelKey));
    let decoded: DecodedCache = { dimensions: 0, entries: new Map() };
    try {
      decoded = decode(await readFile(filePath), modelKey);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        const reason = error instanceof Error ? error.message : String(error);
        warn(`Ignoring embedding cache ${filePath} (${reason}); it will be rebuilt.`);
      }
    }
    const dimensions = decoded.entries.size > 0 ? decoded.dimensions : undefined;
    return new EmbeddingCache(filePath, modelKey, dimensions, decoded.entries, warn);
  }

  /** Number of vectors held (including those a flush would prune). */
  get size(): number {
    return this.entries.size;
  }

  /** Length of the cached vectors, once known. */
  get dimensions(): number | undefined {
    return this.vectorLength;
  }

  /** Whether a flush would change the file: new vectors, or untouched entries to prune. */
  get hasChanges(): boolean {
    return this.dirty || this.touched.size < this.entries.size;
  }

  get(text: string): Float32Array | undefined {
    const hash = textHash(text);
    const vector = this.entries.get(hash);
    if (vector) this.touched.add(hash);
    return vector;
  }

  set(text: string, vector: Float32Array): void {
    if (this.vectorLength !== undefined && vector.length !== this.vectorLength) {
      throw new RangeError(`Embedding has ${vector.length} dimensions; this cache holds ${this.vectorLength}.`);
    }
    this.vectorLength = vector.length;
    const hash = textHash(text);
    this.entries.set(hash, Float32Array.from(vector));
    this.touched.add(hash);
    this.dirty = true;
  }

  /** Drops every entry, e.g. when the model's output width no longer matches. */
  clear(): void {
    this.entries.clear();
    this.touched.clear();
    this.vectorLength = undefined;
    this.dirty = true;
  }

  /** Writes the touched entries atomically, pruning the rest. Flushes run one at a time. */
  flush(): Promise<void> {
    const run = async () => {
      for (const hash of [...this.entries.keys()]) {
        if (!this.touched.has(hash)) this.entries.delete(hash);
      }
      const snapshot = new Map(this.entries);
      this.dirty = false;
      try {
        await writeFileAtomically(this.filePath, encode(this.modelKey, this.vectorLength ?? 0, snapshot));
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    };
    const result = this.pendingFlush.then(run, run);
    this.pendingFlush = result.catch(() => undefined);
    return result;
  }

  /** @internal Reports an unusable cache through the configured warning sink. */
  warnInvalid(message: string): void {
    this.warn(message);
  }
}

/**
 * Returns passage vectors in input order, embedding only texts not in the cache
 * (each distinct text once), and flushes the cache if anything changed.
 */
export async function embedPassagesCached(
  embedder: Embedder,
  cache: EmbeddingCache,
  texts: readonly string[],
): Promise<Float32Array[]> {
  if (cache.dimensions !== undefined && cache.dimensions !== embedder.dimensions) {
    cache.warnInvalid(
      `Embedding cache ${cache.filePath} holds ${cache.dimensions}-dimensional vectors but ` +
        `${embedder.modelId} produces ${embedder.dimensions}; rebuilding it.`,
    );
    cache.clear();
  }

  const results: Array<Float32Array | undefined> = texts.map((text) => cache.get(text));
  const misses = [...new Set(texts.filter((_, i) => results[i] === undefined))];

  if (misses.length > 0) {
    const vectors = await embedder.embed(misses, 'passage');
    if (vectors.length !== misses.length) {
      throw new Error(`Embedder returned ${vectors.length} vectors for ${misses.length} passages.`);
    }
    misses.forEach((text, i) => cache.set(text, vectors[i]!));
    texts.forEach((text, i) => {
      results[i] ??= cache.get(text);
    });
  }

  if (cache.hasChanges) await cache.flush();
  return results as Float32Array[];
}
