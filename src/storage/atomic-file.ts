import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that a crash at any moment leaves either the old content or the new one:
 * a temporary file in the same folder, flushed to disk (fsync), renamed over the target (atomic
 * on POSIX), then the folder flushed so the rename itself survives a power cut.
 */
export async function writeFileAtomically(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  // Best effort: some platforms cannot open a folder; the data itself is already on disk.
  const folder = await open(dir, 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}

/** Whether a file name is one of `writeFileAtomically`'s temporary files for `file`. */
export function isLeftoverOf(file: string, name: string): boolean {
  return name.startsWith(`.${path.basename(file)}.`) && name.endsWith('.tmp');
}
