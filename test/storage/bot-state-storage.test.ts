import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BotStateStorage } from '../../src/storage/bot-state-storage.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
/** The bot's state on the embedded store in `dir` (reopened: a new store reads the files again). */
const stateIn = async (dir: string) => new BotStateStorage(await EmbeddedStore.open(dir));

describe('BotStateStorage (botbuilder Storage on the embedded store)', () => {
  it('reads back what it wrote, also after reopening, and deletes', async () => {
    const dir = await tempDir();
    const storage = await stateIn(dir);
    await storage.write({ 'conv/1': { lang: 'fa' }, 'user/1': { consent: true } });
    const reopened = await stateIn(dir);
    expect(await reopened.read(['conv/1', 'user/1', 'missing'])).toEqual({
      'conv/1': { lang: 'fa', eTag: expect.any(String) },
      'user/1': { consent: true, eTag: expect.any(String) },
    });
    await reopened.delete(['conv/1']);
    expect(await (await stateIn(dir)).read(['conv/1', 'user/1'])).toEqual({ 'user/1': expect.objectContaining({ consent: true }) });
  });

  it('refuses a write with a stale eTag and accepts the current one or "*"', async () => {
    const storage = await stateIn(await tempDir());
    await storage.write({ k: { n: 1 } });
    const { k: first } = await storage.read(['k']);
    await storage.write({ k: { n: 2, eTag: first.eTag } });
    await expect(storage.write({ k: { n: 3, eTag: first.eTag } })).rejects.toThrow(/eTag conflict/);
    await storage.write({ k: { n: 4, eTag: '*' } });
    expect((await storage.read(['k'])).k).toMatchObject({ n: 4 });
  });

  it('returns copies, so a caller changing them changes nothing stored', async () => {
    const storage = await stateIn(await tempDir());
    await storage.write({ k: { list: [1] } });
    const { k } = await storage.read(['k']);
    (k.list as number[]).push(2);
    expect((await storage.read(['k'])).k.list).toEqual([1]);
  });

  it('never leaves a corrupt or half-written file when the process is killed mid-write', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'bot-state.json');
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/storage-writer.ts', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      // Let it write for a while (each write is ~200 KB), then kill it without warning.
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 70));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const saved = (JSON.parse(await readFile(file, 'utf8')) as { items: { state: { v: { version: number; payload: string } } } }).items.state.v;
      expect(saved.version).toBeGreaterThan(0);
      expect(saved.payload.endsWith(String(saved.version))).toBe(true);
      expect(saved.payload.length).toBe(200_000 + String(saved.version).length);
    }
    // A killed writer may leave its temporary file behind; reading the state again clears it.
    expect(await (await stateIn(dir)).read(['state'])).toHaveProperty('state');
    expect(await readdir(dir)).toEqual(['bot-state.json']);
  });
});
