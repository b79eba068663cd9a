import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isProcessRunning } from './process-alive.js';

/** Who holds a store folder: what the lock file says. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** The machine's boot id (Linux): a lock from an earlier boot is stale whatever its pid. */
  readonly boot: string;
  /** What holds it, for the message of whoever is refused: `server`, `admin:create` … */
  readonly purpose: string;
  readonly since: string;
  readonly token: string;
}

/** The folder is held by another live process, or by one that cannot be checked from here. */
export class StoreInUseError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
    /** False when the holder runs on another host (or container) and may be gone: then deleting the lock file is the way out. */
    readonly certain: boolean,
  ) {
    const who = holder.pid ? `${holder.purpose} (process ${holder.pid}${certain ? '' : ` on host ${holder.host}`}, since ${holder.since})` : holder.purpose;
    super(
      certain
        ? `the embedded store ${path.dirname(lockFile)} is in use by ${who}`
        : `the embedded store ${path.dirname(lockFile)} is in use by ${who}, which cannot be checked from here: if no process uses this folder any more, delete ${lockFile}`,
    );
    this.name = 'StoreInUseError';
  }
}

export interface OwnerLock {
  readonly file: string;
  /** Gives the folder up (also done when the process exits). */
  release(): Promise<void>;
}

const LOCK_NAME = 'owner.lock';
const held = new Map<string, string>();
let exitHookInstalled = false;

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    return Number.isInteger(holder.pid) && typeof holder.host === 'string' && typeof holder.token === 'string' ? (holder as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder is gone, or `uncertain` when that cannot be known. Same host: its process
 * decides (our own pid without our claim is an earlier life of this container). Another boot of
 * this machine: gone. Another host (a second container on a shared volume): cannot be checked.
 */
function holderState(holder: LockHolder): 'gone' | 'alive' | 'uncertain' {
  const boot = bootId();
  if (boot && holder.boot && holder.boot !== boot) return 'gone';
  if (holder.host !== hostname()) return 'uncertain';
  if (holder.pid === process.pid) return 'gone';
  return isProcessRunning(holder.pid) ? 'alive' : 'gone';
}

/** Creates `file` holding `text` unless it exists; false if it does. */
async function createExclusively(temp: string, file: string, text: string): Promise<boolean> {
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: an exclusive create (briefly empty while written).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
  }
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function releaseAllSync(): void {
  for (const [file, token] of held) {
    try {
      if (parseHolder(readFileSync(file, 'utf8'))?.token === token) unlinkSync(file);
    } catch {
      // Already gone.
    }
  }
  held.clear();
}

/**
 * Makes this process the only one writing the embedded store in `dir`: the embedded store keeps
 * each collection in memory, appends its changes to logs and compacts them into the collection's
 * file, so a second writer's changes would be lost at the first one's next compaction. A lock file (`owner.lock`, created exclusively, holding pid, host,
 * boot id and purpose) marks the owner; a lock whose process is gone is taken over. Refused with
 * `StoreInUseError` while another process holds it. PostgreSQL needs none of this: it is shared
 * and every write there is a transaction.
 */
export async function claimStoreFolder(dir: string, purpose: string): Promise<OwnerLock> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LOCK_NAME);
  if (held.has(file)) throw new Error(`this process already holds ${file}`);
  const holder: LockHolder = { pid: process.pid, host: hostname(), boot: bootId(), purpose, since: new Date().toISOString(), token: randomBytes(12).toString('hex') };
  // Written whole under another name, then linked into place: the lock never exists half-written.
  const temp = path.join(dir, `.${LOCK_NAME}.${process.pid}-${holder.token}.tmp`);
  await writeFile(temp, JSON.stringify(holder), { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      if (await createExclusively(temp, file, JSON.stringify(holder))) break;
      if (attempt >= 3) throw new Error(`could not take ${file}: it keeps changing`);
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const current = parseHolder(text);
      // Not a lock we can read (hand-made, or half-written where links are not supported): only a person can tell.
      if (!current) throw new StoreInUseError(file, { pid: 0, host: '', boot: '', purpose: 'an unknown process', since: 'unknown', token: '' }, false);
      const state = holderState(current);
      if (state !== 'gone') throw new StoreInUseError(file, current, state === 'alive');
      // Stale: its process is gone. Only that lock is removed, not one taken meanwhile.
      if ((await readFile(file, 'utf8').catch(() => undefined)) === text) await unlink(file).catch(() => undefined);
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  held.set(file, holder.token);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', releaseAllSync);
  }
  return {
    file,
    release: async () => {
      if (held.get(file) !== holder.token) return;
      held.delete(file);
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined && parseHolder(text)?.token === holder.token) await unlink(file).catch(() => undefined);
    },
  };
}
