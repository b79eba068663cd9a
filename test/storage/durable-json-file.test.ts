import { mkdir, readFile, rm } from 'node:fs/promises';
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
});
