import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadModel,
  hasLocalModel,
  loadLocalEmbedder,
  type DownloadProgress,
  type Embedder,
  type EmbedderOptions,
  type LocalEmbedder,
} from '../../src/retrieval/embedder.js';
import {
  EMBEDDING_CACHE_FORMAT_VERSION,
  EmbeddingCache,
  embedPassagesCached,
  embeddingModelKey,
} from '../../src/retrieval/embedding-cache.js';
import { TINY_HIDDEN_SIZE, writeTinyModel } from '../support/tiny-model.js';
import { RahnamaError } from '../../src/errors.js';

const tempDirs: string[] = [];
async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rahnama-embedder-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

/** Fails (and counts) any fetch made while `task` runs, through transformers.js's env.fetch or the global one. */
async function withNetworkForbidden<T>(task: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; calls: number }> {
  const originalEnvFetch = env.fetch;
  const originalGlobalFetch = globalThis.fetch;
  let calls = 0;
  const forbidden = async () => {
    calls++;
    throw new Error('network access is forbidden in this test');
  };
  env.fetch = forbidden;
  globalThis.fetch = forbidden;
  try {
    const [result] = await Promise.allSettled([task()]);
    return { result: result!, calls };
  } finally {
    env.fetch = originalEnvFetch;
    globalThis.fetch = originalGlobalFetch;
  }
}

function embedderOptions(modelsDir: string, modelId: string, overrides: Partial<EmbedderOptions> = {}): EmbedderOptions {
  return { modelId, modelsDir, dtype: 'q8', queryPrefix: 'query: ', passagePrefix: 'passage: ', ...overrides };
}

describe('loadLocalEmbedder with a local model', () => {
  let options: EmbedderOptions;
  let embedder: LocalEmbedder;

  beforeAll(async () => {
    const { modelsDir, modelId } = await writeTinyModel(await makeTempDir());
    options = embedderOptions(modelsDir, modelId);
    embedder = await loadLocalEmbedder(options);
  });

  afterAll(async () => {
    await embedder?.dispose();
  });

  it('reports the model id and the width of its vectors', () => {
    expect(embedder.modelId).toBe('test/tiny-bert');
    expect(embedder.dimensions).toBe(TINY_HIDDEN_SIZE);
  });

  it('returns one unit-length vector of the configured width per text', async () => {
    const vectors = await embedder.embed(['return home', 'passport office in sofia', 'help'], 'passage');
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(TINY_HIDDEN_SIZE);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
  });

  it('places texts that share words closer than unrelated texts', async () => {
    const [returnHome, returnHomePlease, weather] = await embedder.embed(
      ['return home', 'return home please', 'weather forecast'],
      'passage',
    );
    expect(cosine(returnHome!, returnHomePlease!)).toBeGreaterThan(cosine(returnHome!, weather!));
  });

  it('gives the same vectors whether texts are embedded in small batches or one by one', async () => {
    const batched = await loadLocalEmbedder({ ...options, batchSize: 2 });
    try {
      const texts = ['return home', 'flight ticket', 'medical help', 'school for children', 'business grant'];
      const together = await batched.embed(texts, 'passage');
      expect(together).toHaveLength(texts.length);
      for (const [i, text] of texts.entries()) {
        const [alone] = await embedder.embed([text], 'passage');
        expect(cosine(together[i]!, alone!)).toBeCloseTo(1, 5);
      }
    } finally {
      await batched.dispose();
    }
  });

  it('applies a different prefix to queries than to passages', async () => {
    const [asQuery] = await embedder.embed(['return home'], 'query');
    const [asPassage] = await embedder.embed(['return home'], 'passage');
    expect(cosine(asQuery!, asPassage!)).toBeLessThan(0.9999);
  });

  it('embeds Arabic, Persian and Cyrillic text to usable vectors', async () => {
    const [arabic, persian, bulgarian, weather] = await embedder.embed(
      ['العودة إلى الوطن', 'بازگشت به خانه', 'доброволно завръщане', 'weather forecast'],
      'query',
    );
    for (const vector of [arabic!, persian!, bulgarian!]) {
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
    const [arabicAgain] = await embedder.embed(['العودة الوطن'], 'query');
    expect(cosine(arabic!, arabicAgain!)).toBeGreaterThan(cosine(arabic!, weather!));
  });

  it('returns no vectors for no texts', async () => {
    await expect(embedder.embed([], 'passage')).resolves.toEqual([]);
  });

  it('loads the fp32 weights as well as the q8 ones', async () => {
    const fp32 = await loadLocalEmbedder({ ...options, dtype: 'fp32' });
    try {
      const [vector] = await fp32.embed(['return home'], 'passage');
      expect(vector).toHaveLength(TINY_HIDDEN_SIZE);
    } finally {
      await fp32.dispose();
    }
  });

  it('loads without any network request', async () => {
    const { result, calls } = await withNetworkForbidden(() => loadLocalEmbedder(options));
    expect(result.status).toBe('fulfilled');
    if (result.status === 'fulfilled') await result.value.dispose();
    expect(calls).toBe(0);
  });
});

describe('a missing model', () => {
  it('is reported by hasLocalModel and rejected by loadLocalEmbedder with RAHNAMA_MODEL_MISSING, without network', async () => {
    const options = embedderOptions(await makeTempDir(), 'Xenova/multilingual-e5-small');
    expect(await hasLocalModel(options)).toBe(false);

    const started = Date.now();
    const { result, calls } = await withNetworkForbidden(() => loadLocalEmbedder(options));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(calls).toBe(0);
    expect(result.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason as RahnamaError;
    expect(error).toBeInstanceOf(RahnamaError);
    expect(error.code).toBe('RAHNAMA_MODEL_MISSING');
    expect(error.message).toContain('Xenova/multilingual-e5-small');
    expect(error.message).toContain('onnx/model_quantized.onnx');
  });

  it('counts as missing when only the requested weights variant is absent', async () => {
    const { modelsDir, modelId } = await writeTinyModel(await makeTempDir());
    await unlink(join(modelsDir, modelId, 'onnx', 'model_quantized.onnx'));
    expect(await hasLocalModel({ modelsDir, modelId, dtype: 'fp32' })).toBe(true);
    expect(await hasLocalModel({ modelsDir, modelId, dtype: 'q8' })).toBe(false);
    await expect(loadLocalEmbedder(embedderOptions(modelsDir, modelId))).rejects.toMatchObject({
      code: 'RAHNAMA_MODEL_MISSING',
    });
  });

  it('rejects a model id that could escape the models folder with RAHNAMA_MODEL_ID_INVALID', async () => {
    const options = embedderOptions(await makeTempDir(), '../outside');
    await expect(hasLocalModel(options)).rejects.toMatchObject({ code: 'RAHNAMA_MODEL_ID_INVALID' });
    await expect(loadLocalEmbedder(options)).rejects.toMatchObject({ code: 'RAHNAMA_MODEL_ID_INVALID' });
  });
});

/** Serves a models folder the way the Hub does: /<modelId>/resolve/main/<file>. */
async function serveLikeTheHub(modelsDir: string): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const match = /^\/(.+?)\/resolve\/main\/(.+)$/.exec(path);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const filePath = join(modelsDir, match[1]!, match[2]!);
    stat(filePath).then(
      (info) => {
        // transformers.js probes sizes with "Range: bytes=0-0"; answer it as the Hub does.
        if (req.headers.range === 'bytes=0-0') {
          res.writeHead(206, { 'content-length': 1, 'content-range': `bytes 0-0/${info.size}` });
          createReadStream(filePath, { start: 0, end: 0 }).pipe(res);
          return;
        }
        res.writeHead(200, { 'content-length': info.size, 'content-type': 'application/octet-stream' });
        createReadStream(filePath).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, requests };
}

describe('downloadModel', () => {
  it('fetches the model into modelsDir where loadLocalEmbedder then finds it offline', async () => {
    const hub = await writeTinyModel(await makeTempDir(), 'hub-owner/tiny-download');
    const { server, url, requests } = await serveLikeTheHub(hub.modelsDir);
    const modelsDir = await makeTempDir();
    const options = embedderOptions(modelsDir, hub.modelId);
    const events: DownloadProgress[] = [];
    try {
      expect(await hasLocalModel(options)).toBe(false);
      await downloadModel({ ...options, remoteHost: url }, (event) => events.push(event));
    } finally {
      server.closeAllConnections(); // transformers.js leaves probe responses unread on keep-alive sockets
      await new Promise((resolve) => server.close(resolve));
    }

    expect(requests.some((path) => path.endsWith('/onnx/model_quantized.onnx'))).toBe(true);
    expect(await hasLocalModel(options)).toBe(true);
    const files = events.filter((e) => e.status === 'done').map((e) => e.file);
    expect(files).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'onnx/model_quantized.onnx']));
    // Nothing half-written is left beside the model files.
    const onnxDir = await readdir(join(modelsDir, hub.modelId, 'onnx'));
    expect(onnxDir).toEqual(['model_quantized.onnx']);

    const { result, calls } = await withNetworkForbidden(() => loadLocalEmbedder(options));
    expect(calls).toBe(0);
    expect(result.status).toBe('fulfilled');
    if (result.status === 'fulfilled') {
      expect(result.value.dimensions).toBe(TINY_HIDDEN_SIZE);
      await result.value.dispose();
    }
  });

  it('rejects with RAHNAMA_MODEL_DOWNLOAD_FAILED when the host cannot be reached', async () => {
    // Port 1 on loopback refuses connections, standing in for "no network".
    const options = embedderOptions(await makeTempDir(), 'hub-owner/unreachable');
    await expect(downloadModel({ ...options, remoteHost: 'http://127.0.0.1:1/' })).rejects.toMatchObject({
      code: 'RAHNAMA_MODEL_DOWNLOAD_FAILED',
    });
    expect(await hasLocalModel(options)).toBe(false);
  });
});

/** Wraps an embedder and records which passages reach the model. */
function countingEmbedder(inner: Embedder): Embedder & { embedded: string[][] } {
  const embedded: string[][] = [];
  return {
    modelId: inner.modelId,
    dimensions: inner.dimensions,
    embedded,
    async embed(texts, kind) {
      embedded.push([...texts]);
      return inner.embed(texts, kind);
    },
  };
}

describe('EmbeddingCache with embedPassagesCached', () => {
  let embedder: LocalEmbedder;
  let modelKey: string;
  const passages = ['return home', 'flight ticket to kabul', 'medical help in sofia', 'reintegration grant'];

  beforeAll(async () => {
    const { modelsDir, modelId } = await writeTinyModel(await makeTempDir());
    const options = embedderOptions(modelsDir, modelId);
    embedder = await loadLocalEmbedder(options);
    modelKey = embeddingModelKey(options);
  });

  afterAll(async () => {
    await embedder?.dispose();
  });

  async function openQuietly(dir: string, warnings: string[] = []): Promise<EmbeddingCache> {
    return EmbeddingCache.open(dir, modelKey, { warn: (message) => warnings.push(message) });
  }

  it('embeds nothing on a second run over the same passages', async () => {
    const dir = await makeTempDir();
    const firstRun = countingEmbedder(embedder);
    const first = await embedPassagesCached(firstRun, await openQuietly(dir), passages);
    expect(firstRun.embedded.flat()).toEqual(passages);

    const secondRun = countingEmbedder(embedder);
    const reopened = await openQuietly(dir);
    expect(reopened.size).toBe(passages.length);
    const second = await embedPassagesCached(secondRun, reopened, passages);
    expect(secondRun.embedded).toEqual([]);
    expect(second).toEqual(first);
  });

  it('re-embeds only a changed passage and drops the old one', async () => {
    const dir = await makeTempDir();
    await embedPassagesCached(embedder, await openQuietly(dir), passages);

    const edited = [...passages];
    edited[1] = 'flight ticket to herat';
    const run = countingEmbedder(embedder);
    const vectors = await embedPassagesCached(run, await openQuietly(dir), edited);
    expect(run.embedded).toEqual([['flight ticket to herat']]);
    const [direct] = await embedder.embed(['flight ticket to herat'], 'passage');
    expect(cosine(vectors[1]!, direct!)).toBeCloseTo(1, 5);

    const reopened = await openQuietly(dir);
    expect(reopened.size).toBe(passages.length);
    expect(reopened.get('flight ticket to kabul')).toBeUndefined();
  });

  it('embeds a passage that appears twice only once', async () => {
    const run = countingEmbedder(embedder);
    const vectors = await embedPassagesCached(run, await openQuietly(await makeTempDir()), ['help', 'help']);
    expect(run.embedded).toEqual([['help']]);
    expect(vectors[0]).toEqual(vectors[1]);
  });

  it('does not rewrite the file when nothing changed', async () => {
    const dir = await makeTempDir();
    const cache = await openQuietly(dir);
    await embedPassagesCached(embedder, cache, passages);
    const before = await stat(cache.filePath);
    await embedPassagesCached(embedder, await openQuietly(dir), passages);
    const after = await stat(cache.filePath);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('ignores a corrupt cache file with a warning and rebuilds it', async () => {
    const dir = await makeTempDir();
    const cache = await openQuietly(dir);
    await embedPassagesCached(embedder, cache, passages);
    const bytes = await readFile(cache.filePath);
    bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0xff; // flip bits inside a vector
    await writeFile(cache.filePath, bytes);

    const warnings: string[] = [];
    const damaged = await openQuietly(dir, warnings);
    expect(damaged.size).toBe(0);
    expect(warnings.join('\n')).toMatch(/checksum/);

    const run = countingEmbedder(embedder);
    await embedPassagesCached(run, damaged, passages);
    expect(run.embedded.flat()).toEqual(passages);
    const rebuiltWarnings: string[] = [];
    expect((await openQuietly(dir, rebuiltWarnings)).size).toBe(passages.length);
    expect(rebuiltWarnings).toEqual([]);
  });

  it('ignores a truncated or non-cache file with a warning instead of crashing', async () => {
    const dir = await makeTempDir();
    const cache = await openQuietly(dir);
    for (const content of [Buffer.alloc(0), Buffer.from('{"not":"a cache"}'), Buffer.from('RHNEMB')]) {
      await writeFile(cache.filePath, content);
      const warnings: string[] = [];
      expect((await openQuietly(dir, warnings)).size).toBe(0);
      expect(warnings).toHaveLength(1);
    }
  });

  it('ignores a cache file of another format version and rebuilds it', async () => {
    const dir = await makeTempDir();
    const cache = await openQuietly(dir);
    await embedPassagesCached(embedder, cache, passages);
    const bytes = await readFile(cache.filePath);
    bytes.writeUInt16LE(EMBEDDING_CACHE_FORMAT_VERSION + 1, 6); // version follows the 6-byte magic
    await writeFile(cache.filePath, bytes);

    const warnings: string[] = [];
    const old = await openQuietly(dir, warnings);
    expect(old.size).toBe(0);
    expect(warnings.join('\n')).toMatch(/version/);
    const run = countingEmbedder(embedder);
    await embedPassagesCached(run, old, passages);
    expect(run.embedded.flat()).toEqual(passages);
    expect((await openQuietly(dir)).size).toBe(passages.length);
  });

  it('rebuilds when the cached vectors have another width than the embedder produces', async () => {
    const dir = await makeTempDir();
    const stale = await openQuietly(dir);
    stale.set('return home', new Float32Array(8).fill(0.5));
    await stale.flush();

    const warnings: string[] = [];
    const run = countingEmbedder(embedder);
    const [vector] = await embedPassagesCached(run, await openQuietly(dir, warnings), ['return home']);
    expect(vector).toHaveLength(TINY_HIDDEN_SIZE);
    expect(run.embedded).toEqual([['return home']]);
    expect(warnings.join('\n')).toMatch(/dimensional/);
  });

  it('keeps one file per model key', async () => {
    const dir = await makeTempDir();
    const other = await EmbeddingCache.open(dir, embeddingModelKey({ modelId: 'test/tiny-bert', dtype: 'fp32', passagePrefix: 'passage: ' }));
    const mine = await openQuietly(dir);
    expect(other.filePath).not.toBe(mine.filePath);
    await embedPassagesCached(embedder, mine, passages);
    expect((await EmbeddingCache.open(dir, other.modelKey)).size).toBe(0);
  });

  it('replaces the cache file atomically: a new file is renamed over the old one, leaving no temp files', async () => {
    const dir = await makeTempDir();
    const cache = await openQuietly(dir);
    await embedPassagesCached(embedder, cache, passages.slice(0, 2));
    const oldBytes = await readFile(cache.filePath);
    const oldInode = (await stat(cache.filePath)).ino;
    // A reader that opened the old file keeps seeing it whole while the cache is rewritten.
    const reader = await open(cache.filePath, 'r');
    try {
      await embedPassagesCached(embedder, await openQuietly(dir), passages);
      const seenByReader = Buffer.alloc(oldBytes.length + 64);
      const { bytesRead } = await reader.read(seenByReader, 0, seenByReader.length, 0);
      expect(seenByReader.subarray(0, bytesRead)).toEqual(oldBytes);
    } finally {
      await reader.close();
    }
    expect((await stat(cache.filePath)).ino).not.toBe(oldInode);
    expect(await readdir(dir)).toEqual([cache.filePath.slice(dir.length + 1)]);
    expect((await openQuietly(dir)).size).toBe(passages.length);
  });
});
