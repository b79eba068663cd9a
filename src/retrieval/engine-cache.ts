/**
 * A disk cache of what the engine builds from the knowledge base at start-up: the validated
 * knowledge, the keyword index and the trained question model. Each file is named by a hash of everything its
 * content follows from (the inputs, this cache's format, the code that builds it and the
 * runtime), so a file is either the right one or not found: nothing is ever invalidated, and
 * publishing (new knowledge, a new hash) simply misses and writes a new file.
 *
 * File format: the line `RAHNAMA-ENGINE-CACHE`, a u32 (little-endian) header length, the header
 * (JSON: format, kind, key, payload length and sha256), then the payload (`v8.serialize`,
 * which keeps Maps, typed arrays and every bit of a double). A file that is truncated, corrupt,
 * of another format or for another key is ignored with a warning and rebuilt; a write goes to a
 * temporary file renamed into place, so a crash never leaves a half-written file under a real
 * name, and the checksum catches anything the disk loses.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { isProcessRunning } from '../storage/process-alive.js';
import { writeFileAtomically } from '../storage/atomic-file.js';

/** Bump when what a file holds changes shape; older files are then never looked up. */
export const ENGINE_CACHE_FORMAT = 1;

/** What a cache file holds: the validated knowledge base, its keyword index, or a trained question model. */
export type EngineCacheKind = 'knowledge' | 'keyword' | 'model';

/** Files of each kind kept (the most recently used): the knowledge in service and a few before it. */
const KEEP_PER_KIND = 4;

const MAGIC = Buffer.from('RAHNAMA-ENGINE-CACHE\n', 'ascii');

export interface EngineCacheLog {
  /** A cache file that could not be used or written (the engine is rebuilt; nothing fails). */
  warn(message: string): void;
  debug(message: string): void;
}

interface Header {
  readonly format: number;
  readonly kind: string;
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}

export class EngineCache {
  private readonly writes = new Set<Promise<void>>();

  constructor(
    /** The folder (CACHE_DIR, by default DATA_DIR/cache); made on the first write. */
    readonly dir: string,
    private readonly log: EngineCacheLog,
  ) {}

  /**
   * The key of a value built from `inputs` (texts or bytes, in order): a hash of them, of the
   * format, of the code under `src/retrieval` and `src/knowledge` and of the runtime (Node,
   * V8 and ICU versions, the lock file), so any change there makes another key.
   */
  static key(kind: EngineCacheKind, inputs: Iterable<string | Uint8Array>): string {
    const hash = createHash('sha256').update(`${ENGINE_CACHE_FORMAT}\0${kind}\0${buildFingerprint()}\0`);
    for (const input of inputs) {
      // Length first: ["ab", "c"] and ["a", "bc"] must not hash alike.
      const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
      hash.update(`${bytes.length}:`).update(bytes);
    }
    return hash.digest('hex').slice(0, 40);
  }

  /** Where the value of `kind` and `key` is kept. */
  fileOf(kind: EngineCacheKind, key: string): string {
    return path.join(this.dir, `${kind}-${key}.bin`);
  }

  /**
   * The value stored under `kind` and `key`, or undefined when there is none or the file cannot
   * be trusted (logged). Synchronous: the engine retrains inside a knowledge listener.
   */
  read<T>(kind: EngineCacheKind, key: string): T | undefined {
    const file = this.fileOf(kind, key);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`engine cache: cannot read ${file} (${(error as Error).message}); building instead`);
      else this.log.debug(`engine cache: no ${kind} cached under ${key}`);
      return undefined;
    }
    try {
      const value = deserialize(payloadOf(bytes, kind, key)) as T;
      // Recently used files are the ones pruning keeps.
      const now = new Date();
      void utimes(file, now, now).catch(() => undefined);
      this.log.debug(`engine cache: ${kind} read from ${file}`);
      return value;
    } catch (error) {
      this.log.warn(`engine cache: ignoring ${file}: ${(error as Error).message}; building instead`);
      return undefined;
    }
  }

  /**
   * Stores `value` under `kind` and `key`, in the background: start-up is not held up by it. The
   * promise never rejects: a failed write is logged, and the next start builds again. `changes`:
   * the value may change once this returns (a live index), so it is serialised at once.
   */
  write(kind: EngineCacheKind, key: string, value: unknown, { changes = false }: { changes?: boolean } = {}): Promise<void> {
    const file = this.fileOf(kind, key);
    let now: Buffer | undefined;
    try {
      now = changes ? encode(kind, key, value) : undefined;
    } catch (error) {
      this.log.warn(`engine cache: cannot serialise the ${kind}: ${(error as Error).message}`);
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => writeFileAtomically(file, now ?? encode(kind, key, value), 0o644))
      .then(() => this.prune(kind))
      .then(
        () => this.log.debug(`engine cache: ${kind} written to ${file}`),
        (error: unknown) => this.log.warn(`engine cache: cannot write ${file}: ${(error as Error).message}`),
      )
      .finally(() => this.writes.delete(done));
    this.writes.add(done);
    return done;
  }

  /** Says that a value read could not be used after all (it did not fit what it was read for). */
  warnUnusable(kind: EngineCacheKind, key: string, error: unknown): void {
    this.log.warn(`engine cache: ignoring ${this.fileOf(kind, key)}: ${(error as Error).message}; building instead`);
  }

  /** Resolves once every write started so far is done (tests; a tool about to exit). */
  async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  /** Keeps the KEEP_PER_KIND most recently used files of a kind, and removes temporary files whose writer is gone. */
  private async prune(kind: EngineCacheKind): Promise<void> {
    const names = await readdir(this.dir);
    const leftovers = names.filter((name) => name.startsWith(`.${kind}-`) && isLeftover(name));
    const files = names.filter((name) => name.startsWith(`${kind}-`) && name.endsWith('.bin'));
    const used = await Promise.all(files.map(async (name) => ({ name, at: (await stat(path.join(this.dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    const old = used.sort((a, b) => b.at - a.at).slice(KEEP_PER_KIND).map((f) => f.name);
    await Promise.all([...leftovers, ...old].map((name) => unlink(path.join(this.dir, name)).catch(() => undefined)));
  }
}

/** A temporary file (`.<name>.<pid>-<random>.tmp`, see writeFileAtomically) whose writer no longer runs. */
function isLeftover(name: string): boolean {
  const pid = Number(/\.(\d+)-[0-9a-f]+\.tmp$/.exec(name)?.[1]);
  return name.endsWith('.tmp') && (!Number.isInteger(pid) || !isProcessRunning(pid));
}

function encode(kind: EngineCacheKind, key: string, value: unknown): Buffer {
  const payload = serialize(value);
  const header: Header = { format: ENGINE_CACHE_FORMAT, kind, key, bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([MAGIC, length, json, payload]);
}

/** The payload of a cache file, once everything about it checks out; else throws saying what is wrong. */
function payloadOf(bytes: Buffer, kind: EngineCacheKind, key: string): Buffer {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an engine cache file');
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + headerLength;
  if (start > bytes.length) throw new Error('truncated header');
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length + 4, start).toString('utf8')) as Header;
  } catch {
    throw new Error('unreadable header');
  }
  if (header.format !== ENGINE_CACHE_FORMAT) throw new Error(`format ${header.format}, expected ${ENGINE_CACHE_FORMAT}`);
  if (header.kind !== kind || header.key !== key) throw new Error(`holds ${header.kind} ${header.key}, not ${kind} ${key}`);
  const payload = bytes.subarray(start);
  if (payload.length !== header.bytes) throw new Error(`payload of ${payload.length} bytes, expected ${header.bytes} (truncated?)`);
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) throw new Error('checksum mismatch');
  return payload;
}

let fingerprint: string | undefined;

/**
 * What the cached values also follow from besides their inputs: the code that builds them (the
 * files of this folder and of the knowledge folder, and the language tables, as sources under
 * tsx or as the compiled build), the runtime's text handling (ICU, Unicode) and floating point
 * (V8), and the dependencies' versions (the lock file). Computed once per process.
 */
function buildFingerprint(): string {
  if (fingerprint) return fingerprint;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..');
  const hash = createHash('sha256');
  const code = (dir: string) => readdirSync(dir).filter((name) => /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts')).sort().map((name) => path.join(dir, name));
  const files = [...code(here), ...code(path.join(root, 'knowledge')), ...['languages', 'language-facts'].map((name) => path.join(root, `${name}${path.extname(fileURLToPath(import.meta.url))}`))];
  for (const file of files) hash.update(`${path.relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  const { node, v8, icu, unicode } = process.versions;
  hash.update(`${node} ${v8} ${icu} ${unicode}\0`);
  const lock = path.join(root, '..', 'package-lock.json');
  if (existsSync(lock) && statSync(lock).isFile()) hash.update(readFileSync(lock));
  fingerprint = hash.digest('hex');
  return fingerprint;
}
