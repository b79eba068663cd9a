import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileStorage } from '../../src/storage/json-file-storage.js';
import { ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();

describe('JsonFileStorage (botbuilder Storage on a JSON file)', () => {
  it('reads back what it wrote, also after reopening, and deletes', async () => {
    const file = path.join(await tempDir(), 'state.json');
    const storage = await JsonFileStorage.open(file);
    await storage.write({ 'conv/1': { lang: 'fa' }, 'user/1': { consent: true } });
    const reopened = await JsonFileStorage.open(file);
    expect(await reopened.read(['conv/1', 'user/1', 'missing'])).toEqual({
      'conv/1': { lang: 'fa', eTag: expect.any(String) },
      'user/1': { consent: true, eTag: expect.any(String) },
    });
    await reopened.delete(['conv/1']);
    expect(await (await JsonFileStorage.open(file)).read(['conv/1', 'user/1'])).toEqual({ 'user/1': expect.objectContaining({ consent: true }) });
  });

  it('refuses a write with a stale eTag and accepts the current one or "*"', async () => {
    const storage = await JsonFileStorage.open(path.join(await tempDir(), 'state.json'));
    await storage.write({ k: { n: 1 } });
    const { k: first } = await storage.read(['k']);
    await storage.write({ k: { n: 2, eTag: first.eTag } });
    await expect(storage.write({ k: { n: 3, eTag: first.eTag } })).rejects.toThrow(/eTag conflict/);
    await storage.write({ k: { n: 4, eTag: '*' } });
    expect((await storage.read(['k'])).k).toMatchObject({ n: 4 });
  });

  it('returns copies, so a caller changing them changes nothing stored', async () => {
    const storage = await JsonFileStorage.open(path.join(await tempDir(), 'state.json'));
    await storage.write({ k: { list: [1] } });
    const { k } = await storage.read(['k']);
    (k.list as number[]).push(2);
    expect((await storage.read(['k'])).k.list).toEqual([1]);
  });

  it('never leaves a corrupt or half-written file when the process is killed mid-write', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'state.json');
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/storage-writer.ts', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      // Let it write for a while (each write is ~200 KB), then kill it without warning.
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 70));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const saved = JSON.parse(await readFile(file, 'utf8')) as { state: { version: number; payload: string } };
      expect(saved.state.version).toBeGreaterThan(0);
      expect(saved.state.payload.endsWith(String(saved.state.version))).toBe(true);
      expect(saved.state.payload.length).toBe(200_000 + String(saved.state.version).length);
    }
    // A killed writer may leave its temporary file behind; opening the storage clears it.
    await JsonFileStorage.open(file);
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
