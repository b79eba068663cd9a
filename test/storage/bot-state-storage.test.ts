import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BotStateStorage } from '../../src/storage/bot-state-storage.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { ROOT } from '../support/paths.js';
import type { Store } from '../../src/storage/store.js';
import { useStoreBackends } from '../support/stores.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
/** The bot's state on the embedded store in `dir` (reopened: a new store reads the files again). */
const stateIn = async (dir: string) => new BotStateStorage(await EmbeddedStore.open(dir));

describe.each(useStoreBackends())('BotStateStorage (botbuilder Storage) on the $name store', (backend) => {
  const stateOn = async (place: { open(): Promise<Store> }) => new BotStateStorage(await place.open());

  it('reads back what it wrote, also after reopening, and deletes', async () => {
    const place = await backend.place();
    const storage = await stateOn(place);
    await storage.write({ 'conv/1': { lang: 'fa' }, 'user/1': { consent: true } });
    const reopened = await stateOn(place);
    expect(await reopened.read(['conv/1', 'user/1', 'missing'])).toEqual({
      'conv/1': { lang: 'fa', eTag: expect.any(String) },
      'user/1': { consent: true, eTag: expect.any(String) },
    });
    await reopened.delete(['conv/1']);
    expect(await (await stateOn(place)).read(['conv/1', 'user/1'])).toEqual({ 'user/1': expect.objectContaining({ consent: true }) });
  });

  it('refuses a write with a stale eTag and accepts the current one or "*"', async () => {
    const storage = await stateOn(await backend.place());
    await storage.write({ k: { n: 1 } });
    const { k: first } = await storage.read(['k']);
    await storage.write({ k: { n: 2, eTag: first.eTag } });
    await expect(storage.write({ k: { n: 3, eTag: first.eTag } })).rejects.toThrow(/eTag conflict/);
    await storage.write({ k: { n: 4, eTag: '*' } });
    expect((await storage.read(['k'])).k).toMatchObject({ n: 4 });
  });

  it('writes afresh an item deleted since it was read (by /forget or retention), as MemoryStorage does', async () => {
    const storage = await stateOn(await backend.place());
    await storage.write({ k: { n: 1 } });
    const { k: read } = await storage.read(['k']);
    await storage.delete(['k']);
    await storage.write({ k: { n: 2, eTag: read.eTag } });
    expect((await storage.read(['k'])).k).toMatchObject({ n: 2 });
  });

  it('lets only one of two turns based on the same state write it, also from two instances', async () => {
    const place = await backend.place();
    const a = await stateOn(place);
    // Two processes must not share the embedded store's folder: there, one store takes both turns.
    const b = backend.name === 'postgres' ? await stateOn(place) : a;
    await a.write({ conversation: { turn: 0 } });
    const { conversation: seen } = await a.read(['conversation']);
    const results = await Promise.allSettled([a.write({ conversation: { turn: 1, eTag: seen.eTag } }), b.write({ conversation: { turn: 2, eTag: seen.eTag } })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([expect.stringMatching(/eTag conflict/)]);
  });

  it('returns copies, so a caller changing them changes nothing stored', async () => {
    const storage = await stateOn(await backend.place());
    await storage.write({ k: { list: [1] } });
    const { k } = await storage.read(['k']);
    (k.list as number[]).push(2);
    expect((await storage.read(['k'])).k.list).toEqual([1]);
  });
});

describe('BotStateStorage on the embedded store', () => {
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
