import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { syncFolder } from './atomic-file.js';

/**
 * A file that only grows, one line per record, each write flushed to disk (fdatasync) before its
 * callers hear it went through: the cost of a record is its own size, whatever the file already
 * holds. Writes are grouped as in DurableJSONFile: records given while one write is on its way
 * become the next single write. A crash can cut the last write short, leaving a last line
 * without its newline: readers drop such a line (its callers were never told it was stored).
 * After a failed write the log takes no more records (`failed`): its end may be cut short, and a
 * record written after that would not start on a line of its own. The owner starts another file.
 */
export class AppendLog {
  private handle: Promise<FileHandle> | undefined;
  private pending: string[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;
  /** Why the log takes no more records, once a write has failed. */
  failed: Error | undefined;

  constructor(readonly file: string) {}

  /** Adds one record (a line of text without newlines); resolves once it is on disk. */
  append(line: string): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    this.pending.push(line);
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        const lines = this.pending;
        this.pending = [];
        this.inFlight = this.write(lines);
        return this.inFlight;
      });
    return this.next;
  }

  private async write(lines: readonly string[]): Promise<void> {
    if (this.failed) throw this.failed;
    try {
      const created = !this.handle;
      this.handle ??= open(this.file, 'a', 0o600);
      const handle = await this.handle;
      await handle.writeFile(`${lines.join('\n')}\n`);
      await handle.datasync();
      // A new file's name must survive a power cut too, as the atomic writes' renames do.
      if (created) await syncFolder(path.dirname(this.file));
    } catch (error) {
      this.failed = error as Error;
      throw error;
    }
  }

  /** Waits for the writes asked for, then closes the file. */
  async close(): Promise<void> {
    await (this.next ?? this.inFlight).catch(() => undefined);
    const handle = await this.handle?.catch(() => undefined);
    this.handle = undefined;
    await handle?.close();
  }
}
