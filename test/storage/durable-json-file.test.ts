import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableJSONFile } from '../../src/storage/durable-json-file.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();

describe('DurableJSONFile (group commit)', () => {
  it('resolves each of many concurrent writes only once its data, or newer, is on disk', async () => {
    const file = new DurableJSONFile<{ turns: number[] }>(path.join(await tempDir(), 'state.json'));
    const data = { turns: [] as number[] };
    const onDisk = async () => (JSON.parse(await readFile(file.filename, 'utf8')) as { turns: number[] }).turns;
    const checks = Array.from({ length: 200 }, async (_, turn) => {
      // Turns arrive spread over a few event-loop ticks, as busy conversations do.
      await new Promise((resolve) => setTimeout(resolve, turn % 7));
      data.turns.push(turn);
      await file.write(data);
      return (await onDisk()).includes(turn);
    });
    expect(await Promise.all(checks)).toEqual(Array(200).fill(true));
    expect((await onDisk()).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('passes a failed write\'s error to its callers, and the next write still goes through', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    const file = new DurableJSONFile<{ a: number }>(target);
    // A non-empty folder where the file should be: the rename fails.
    await mkdir(path.join(target, 'in-the-way'), { recursive: true });
    await expect(file.write({ a: 1 })).rejects.toThrow();
    await rm(target, { recursive: true });
    await file.write({ a: 2 });
    expect(JSON.parse(await readFile(target, 'utf8'))).toEqual({ a: 2 });
  });

  it('clears temporary files of writers that are gone when read, but never a write in progress of a running process', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'state.json');
    await writeFile(target, '{"a":1}');
    // A writer that was killed: its process no longer exists. One of a running process (this one).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const abandoned = `.state.json.${gone}-0a1b2c.tmp`;
    const inProgress = `.state.json.${process.pid}-3d4e5f.tmp`;
    await Promise.all([writeFile(path.join(dir, abandoned), '{"a'), writeFile(path.join(dir, inProgress), '{"a":2')]);
    expect(await new DurableJSONFile<{ a: number }>(target).read()).toEqual({ a: 1 });
    expect((await readdir(dir)).sort()).toEqual([inProgress, 'state.json']);
  });
});
