import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { isLeftoverOf, writeFileAtomically } from './atomic-file.js';

/** Pieces of about this many characters: large enough to write well, small enough not to hold up other work. */
const PIECE = 64 * 1024;

/**
 * The JSON text of `value` in pieces, for a file too large to build as one string: the outer two
 * levels of objects are taken apart (a Map is written as an object), anything deeper is one
 * `JSON.stringify`. Lazily: each piece is made when the writer asks for it, so `value` must not
 * change until the write is done.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  let piece = '';
  function* walk(entries: Iterable<[string, unknown]>, depth: number): Generator<string> {
    piece += '{';
    let first = true;
    for (const [key, child] of entries) {
      if (child === undefined) continue;
      piece += `${first ? '' : ','}${JSON.stringify(String(key))}:`;
      first = false;
      const inner = entriesOf(child, depth + 1);
      if (inner) yield* walk(inner, depth + 1);
      else piece += JSON.stringify(child) ?? 'null';
      if (piece.length >= PIECE) {
        yield piece;
        piece = '';
      }
    }
    piece += '}';
  }
  const top = entriesOf(value, 0);
  if (top) yield* walk(top, 0);
  else piece = JSON.stringify(value) ?? 'null';
  if (piece) yield piece;
}

/** The entries to write one by one: of a Map, or of a plain object in the outer two levels. */
function entriesOf(value: unknown, depth: number): Iterable<[string, unknown]> | undefined {
  if (value instanceof Map) return value.entries() as Iterable<[string, unknown]>;
  return depth < 2 && isPlainObject(value) ? Object.entries(value) : undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';

/**
 * A lowdb adapter that never leaves a half-written file (see `writeFileAtomically`): a process
 * killed at any moment leaves either the old file or the new one. Writes never interleave, and
 * they are grouped: while one is on its way to disk, every write asked for meanwhile becomes a
 * single next write of the newest data (a group commit). Each caller's promise still resolves
 * only once data at least as new as its own is on disk, but a hundred busy conversations cost a
 * few file writes instead of a hundred queued ones. Large data is written in pieces (see
 * `jsonPieces`), so writing it does not stop the process for the whole serialisation.
 */
export class DurableJSONFile<T> implements Adapter<T> {
  private latest: T | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;

  constructor(readonly filename: string) {}

  async read(): Promise<T | null> {
    await this.removeLeftovers();
    let text: string;
    try {
      text = await readFile(this.filename, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      // Only a hand edit can get here; say which file, never silently start empty.
      throw new Error(`${this.filename} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Temporary files of writers that were killed before their rename: never the real data. */
  private async removeLeftovers(): Promise<void> {
    const dir = path.dirname(this.filename);
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => isLeftoverOf(this.filename, n)).map((n) => unlink(path.join(dir, n)).catch(() => undefined)));
  }

  write(data: T): Promise<void> {
    this.latest = data;
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        // From here on, newer data needs the write after this one.
        this.next = undefined;
        this.inFlight = writeFileAtomically(this.filename, jsonPieces(this.latest));
        return this.inFlight;
      });
    return this.next;
  }
}
