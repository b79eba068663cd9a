import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { ROOT } from '../support/paths.js';
import { failingStart } from '../support/process.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();

describe('the embedded store through crashes and bad files', () => {
  it('killed at any moment while appending and compacting, it reopens with every acknowledged change, whole', async () => {
    const dir = await tempDir();
    let acknowledged = 0;
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/storage/store-writer-child.ts', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      // Let it write a while (compactions included: the logs outgrow the snapshot every ~100 writes), then kill it without warning.
      await new Promise((resolve) => setTimeout(resolve, 200 + round * 90));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const numbers = output.split('\n').filter((line) => /^\d+$/.test(line)).map(Number);
      acknowledged = Math.max(acknowledged, ...numbers);

      const store = await EmbeddedStore.open(dir);
      const docs = store.documents<{ n: number; payload: string }>('docs');
      const counter = (await docs.get('counter'))!.value.n;
      expect(counter).toBeGreaterThanOrEqual(acknowledged);
      // The same apply wrote both: all or none of it is there.
      expect((await docs.get(`k${counter % 50}`))?.value).toEqual({ n: counter, payload: `${'x'.repeat(2000)}${counter}` });
      expect(await docs.list({ prefix: 'seed/' })).toHaveLength(200);
      await store.close();
    }
    expect(acknowledged).toBeGreaterThan(0);
    // A compaction happened along the way, and its folded logs went.
    expect((await readdir(dir)).filter((f) => f.endsWith('.log')).length).toBeLessThan(acknowledged / 50);
  });

  it('a store file that cannot be read stops the server at start-up with a message naming it, not a stack trace', async () => {
    const dataDir = await tempDir();
    await mkdir(path.join(dataDir, 'store'));
    const file = path.join(dataDir, 'store', 'bot-state.json');
    await writeFile(file, '{"format":2,"kind":"documents","log":0,"items":{"k":');
    const { code, output } = await failingStart({ DATA_DIR: dataDir, MODEL_DOWNLOAD: 'false' });
    expect(code).toBe(1);
    expect(output).toContain(`rahnama: The embedded store's file ${file} cannot be read: not valid JSON`);
    expect(output).not.toMatch(/^\s+at /m);
  });
});
