import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

/**
 * A lowdb adapter that never leaves a half-written file: each write goes to a temporary file in
 * the same folder, is flushed to disk (fsync), then renamed over the old one, which is atomic.
 * A process killed at any moment leaves either the old file or the new one. Writes are queued,
 * so two writes never interleave.
 */
export class DurableJSONFile<T> implements Adapter<T> {
  private queue: Promise<unknown> = Promise.resolve();

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
    const prefix = `.${path.basename(this.filename)}.`;
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => unlink(path.join(dir, n)).catch(() => undefined)));
  }

  write(data: T): Promise<void> {
    const text = JSON.stringify(data);
    const run = () => this.writeAtomically(text);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async writeAtomically(text: string): Promise<void> {
    const dir = path.dirname(this.filename);
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.${path.basename(this.filename)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.filename);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    // Make the rename itself durable; where a folder cannot be opened (some platforms), the
    // data is already safe.
    const folder = await open(dir, 'r').catch(() => undefined);
    await folder?.sync().catch(() => undefined);
    await folder?.close();
  }
}
