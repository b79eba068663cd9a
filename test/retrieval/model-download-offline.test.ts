import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

// In a process of its own: the test files beside it load ONNX Runtime, and a native library once
// loaded stays loaded.
it('gives up a download from a host that does not answer without loading ONNX Runtime', async () => {
  const modelsDir = await mkdtemp(join(tmpdir(), 'rahnama-offline-'));
  dirs.push(modelsDir);
  const script = `
    import { downloadModel } from './src/retrieval/embedder.ts';
    const options = { modelId: 'hub-owner/unreachable', modelsDir: ${JSON.stringify(modelsDir)}, dtype: 'q8', queryPrefix: '', passagePrefix: '', remoteHost: 'http://127.0.0.1:1/' };
    const failure = await downloadModel(options).then(() => undefined, (error) => error);
    const libraries = process.report.getReport().sharedObjects;
    console.log(JSON.stringify({ code: failure?.code, message: failure?.message, onnx: libraries.some((file) => file.includes('onnxruntime')) }));
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
  const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { code?: string; message?: string; onnx?: boolean };
  expect(outcome.code).toBe('RAHNAMA_MODEL_DOWNLOAD_FAILED');
  expect(outcome.message).toContain('127.0.0.1:1 does not answer');
  expect(outcome.onnx).toBe(false);
});
