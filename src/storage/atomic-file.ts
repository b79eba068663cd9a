import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessRunning } from './process-alive.js';

/**
 * Writes a file so that a crash at any moment leaves either the old content or the new one:
 * a temporary file in the same folder, flushed to disk (fsync), renamed over the target (atomic
 * on POSIX), then the folder flushed so the rename itself survives a power cut. `data` may come in
 * pieces (an iterable of strings), written one after the other: a large file made that way never
 * needs to be one string in memory, and other work runs between the pieces.
 */
export async function writeFileAtomically(file: string, data: string | Uint8Array | Iterable<string>, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  // The writer's process id is in the name: see `isLeftoverOf`.
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w', mode);
    try {
      await writeFile(handle, data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncFolder(dir);
}

/** Flushes a folder's entries (a rename, a new file) to disk. Best effort: some platforms cannot open a folder. */
export async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}

/**
 * Whether a file name is a temporary file `writeFileAtomically` left behind for `file`: one whose
 * writer is gone (killed before its rename). A temporary file of a process still running, this
 * one included, is a write in progress: a reader of the same folder must not delete it.
 */
export function isLeftoverOf(file: string, name: string): boolean {
  if (!name.startsWith(`.${path.basename(file)}.`) || !name.endsWith('.tmp')) return false;
  const pid = Number(/\.(\d+)-[0-9a-f]+\.tmp$/.exec(name)?.[1]);
  return !Number.isInteger(pid) || !isProcessRunning(pid);
}

