import { createServer } from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { ModelManager } from '../../src/retrieval/model-manager.js';
import { testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';
import { writeTinyModel } from '../support/tiny-model.js';

const tempDir = useTempDir();

interface LogLine { level: 'info' | 'warn'; obj: unknown; msg?: string }

function recordingLogger() {
  const lines: LogLine[] = [];
  const log = (level: LogLine['level']) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { info: log('info'), warn: log('warn') } as never };
}

/** A loopback port nothing listens on: downloads from it fail at once, like this offline machine. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function hybridSetup(env: Record<string, string> = {}) {
  const dir = await tempDir();
  const { modelsDir, modelId } = await writeTinyModel(path.join(dir, 'models'));
  const config = testConfig({ MODELS_DIR: modelsDir, EMBEDDING_MODEL: modelId, EMBEDDING_DTYPE: 'fp32', DATA_DIR: path.join(dir, 'data'), MODEL_DOWNLOAD: 'false', ...env });
  return { dir, config };
}

describe('hybrid retrieval with a local model', () => {
  it('switches the running engine from keyword to hybrid without a restart', async () => {
    const { config } = await hybridSetup();
    const { engine, knowledge } = await loadAnswerEngine(config);
    const { logger } = recordingLogger();
    const models = new ModelManager(config, logger);
    expect(engine.mode).toBe('keyword');
    await models.start(engine, knowledge);
    expect(models.status()).toMatchObject({ status: 'ready', passages: expect.any(Number) });
    const result = await engine.ask({ text: 'My asylum application was rejected. Can IOM help me go home?' }, { explain: true });
    expect(result.mode).toBe('hybrid');
    expect(result.entryId).toBe('avrr-rejected-asylum');
    expect(result.candidates?.some((c) => c.dense !== undefined)).toBe(true);
    expect(engine.denseCalibrated).toBe(true);
    await models.close();
  });

  it('caches passage embeddings on disk so a restart embeds nothing again', async () => {
    const { config } = await hybridSetup();
    const first = new ModelManager(config, recordingLogger().logger);
    const { engine, knowledge } = await loadAnswerEngine(config);
    await first.start(engine, knowledge);
    await first.close();
    const cacheFiles = await readdir(path.join(config.dataDir, 'embeddings'));
    expect(cacheFiles).toHaveLength(1);

    // Second start: time the passage embedding by counting what the cache lacked.
    const { EmbeddingCache, embeddingModelKey } = await import('../../src/retrieval/embedding-cache.js');
    const e = config.embeddings;
    const cache = await EmbeddingCache.open(path.join(config.dataDir, 'embeddings'), embeddingModelKey({ modelId: e.modelId, dtype: e.dtype, passagePrefix: e.passagePrefix }));
    const passages = [...knowledge.entries.values()].flatMap((entry) => Object.values(entry.languages).flatMap((t) => [t.question, ...t.variants]));
    expect(passages.filter((p) => cache.get(p) === undefined)).toEqual([]);
  });

  it('says once that the download failed and stays on keyword search', async () => {
    const dir = await tempDir();
    const port = await closedPort();
    const config = testConfig({ MODELS_DIR: path.join(dir, 'models'), DATA_DIR: path.join(dir, 'data'), MODEL_REMOTE_HOST: `http://127.0.0.1:${port}/` });
    const { engine, knowledge } = await loadAnswerEngine(config);
    const { lines, logger } = recordingLogger();
    const models = new ModelManager(config, logger);
    await models.start(engine, knowledge);
    expect(models.status()).toMatchObject({ status: 'failed', error: expect.stringMatching(/download/i) });
    expect(lines.map((l) => `${l.level}: ${l.msg}`)).toEqual([
      'info: downloading embedding model in the background',
      'warn: embedding model unavailable: staying on keyword search',
    ]);
    expect(engine.mode).toBe('keyword');
    expect((await engine.ask({ text: 'How do I apply for voluntary return?' })).entryId).toBe('avrr-how-to-apply');
  });

  it('stays on keyword search, quietly, when embeddings are disabled', async () => {
    const { config } = await hybridSetup({ EMBEDDINGS: 'false' });
    const { engine, knowledge } = await loadAnswerEngine(config);
    const models = new ModelManager(config, recordingLogger().logger);
    await models.start(engine, knowledge);
    expect(models.status()).toEqual({ status: 'disabled' });
    expect(engine.mode).toBe('keyword');
  });
});
