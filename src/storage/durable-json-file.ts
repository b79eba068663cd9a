import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { isLeftoverOf, writeFileAtomically } from './atomic-file.js';

/**
 * A lowdb adapter that never leaves a half-written file (see `writeFileAtomically`): a process
 * killed at any moment leaves either the old file or the new one. Writes never interleave, and
 * they are grouped: while one is on its way to disk, every write asked for meanwhile becomes a
 * single next write of the newest data (a group commit). Each caller's promise still resolves
 * only once data at least as new as its own is on disk, but a hundred busy conversations cost a
 * few file writes instead of a hundred queued ones.
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
        this.inFlight = writeFileAtomically(this.filename, JSON.stringify(this.latest));
        return this.inFlight;
      });
    return this.next;
  }
}
