import { spawn, spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimStoreFolder, StoreInUseError, type LockHolder } from '../../src/storage/owner-lock.js';
import { ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A process that is running (it waits until killed). */
async function liveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid!;
}

/** The id of a process that has exited. */
const goneProcess = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

const bootId = () => readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((t) => t.trim(), () => '');

async function writeLock(dir: string, holder: Partial<LockHolder>): Promise<void> {
  const lock: LockHolder = { pid: 1, host: hostname(), boot: await bootId(), purpose: 'the server', since: '2026-01-01T00:00:00.000Z', token: 'someone-else', ...holder };
  await writeFile(path.join(dir, 'owner.lock'), JSON.stringify(lock));
}

describe('the embedded store folder\'s owner lock', () => {
  it('refuses a second owner while the first one\'s process runs, naming it, and lets one in once released', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: await liveProcess(), purpose: 'the server' });
    const refused = await claimStoreFolder(dir, 'admin:create').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreInUseError);
    expect((refused as StoreInUseError).certain).toBe(true);
    expect((refused as Error).message).toMatch(/is in use by the server \(process \d+, since 2026-01-01/);

    const other = await tempDir();
    const mine = await claimStoreFolder(other, 'the server');
    expect(JSON.parse(await readFile(mine.file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), purpose: 'the server' });
    await mine.release();
    expect(await readdir(other)).toEqual([]);
    await (await claimStoreFolder(other, 'admin:create')).release();
  });

  it('takes over a lock whose process is gone (killed) or from before the machine restarted', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: goneProcess() });
    const taken = await claimStoreFolder(dir, 'the server');
    expect(JSON.parse(await readFile(taken.file, 'utf8'))).toMatchObject({ pid: process.pid });
    await taken.release();

    if (await bootId()) {
      await writeLock(dir, { pid: await liveProcess(), boot: 'an-earlier-boot' });
      await (await claimStoreFolder(dir, 'the server')).release();
    }
    // Our own pid without our claim: an earlier life of this process id (a restarted container).
    await writeLock(dir, { pid: process.pid });
    await (await claimStoreFolder(dir, 'the server')).release();
  });

  it('refuses a lock from another host, which cannot be checked, and says which file to delete', async () => {
    const dir = await tempDir();
    await writeLock(dir, { host: 'another-container', pid: 1 });
    const refused = (await claimStoreFolder(dir, 'admin:create').catch((e: unknown) => e)) as StoreInUseError;
    expect(refused).toBeInstanceOf(StoreInUseError);
    expect(refused.certain).toBe(false);
    expect(refused.message).toContain('on host another-container');
    expect(refused.message).toContain(`if no process uses this folder any more, delete ${path.join(dir, 'owner.lock')}`);
  });

  it('is given up when its process exits, by process.exit too', async () => {
    const dir = await tempDir();
    const script = `const { claimStoreFolder } = await import('./src/storage/owner-lock.ts'); await claimStoreFolder(${JSON.stringify(dir)}, 'the server'); process.exit(3);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets exactly one of several processes claiming at once in', async () => {
    const dir = await tempDir();
    // The winner holds the folder until it is killed, after every other one has answered.
    const script = `const { claimStoreFolder } = await import('./src/storage/owner-lock.ts'); try { await claimStoreFolder(${JSON.stringify(dir)}, 'p'); process.stdout.write('won'); setInterval(() => {}, 1000); } catch (e) { process.stdout.write(e.name); }`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        return new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
      }),
    );
    expect(outputs.filter((o) => o === 'won')).toHaveLength(1);
    expect(outputs.filter((o) => o === 'StoreInUseError')).toHaveLength(3);
  });
});
