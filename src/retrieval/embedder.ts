/**
 * Dense text embeddings with transformers.js (ONNX Runtime on CPU).
 *
 * Models live on disk as `<modelsDir>/<modelId>/{config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model[_quantized].onnx}`: the layout of a Hub repo,
 * which is also where transformers.js's file cache writes downloads when its
 * cache dir is `modelsDir`. So `downloadModel` and `loadLocalEmbedder` share one
 * folder, and loading never needs the network.
 */
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RahnamaError } from '../errors.js';
import type { FeatureExtractionPipeline, PreTrainedModel, ProgressInfo } from '@huggingface/transformers';

type Transformers = typeof import('@huggingface/transformers');
let transformersLibrary: Promise<Transformers> | undefined;

/**
 * transformers.js (and ONNX Runtime with it) is loaded on first use: a server on keyword search
 * alone never pays its start-up time or memory.
 */
function transformers(): Promise<Transformers> {
  transformersLibrary ??= import('@huggingface/transformers');
  return transformersLibrary;
}


export interface EmbedderOptions {
  /** Hugging Face model id, e.g. 'Xenova/multilingual-e5-small'. */
  modelId: string;
  /** Local folder holding models as <modelsDir>/<modelId>/... (transformers.js env.localModelPath). */
  modelsDir: string;
  /** ONNX weights variant: 'q8' (model_quantized.onnx) or 'fp32' (model.onnx). */
  dtype: 'q8' | 'fp32';
  /** Prefix the model expects before a query (e5: 'query: '). */
  queryPrefix: string;
  /** Prefix the model expects before a passage (e5: 'passage: '). */
  passagePrefix: string;
  /** Texts per model call when embedding many at once; bounds padding waste and memory. Default 16. */
  batchSize?: number;
}

export interface Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  /** Mean-pooled, L2-normalised vectors, one per text. */
  embed(texts: readonly string[], kind: 'query' | 'passage'): Promise<Float32Array[]>;
}

/** An embedder backed by an ONNX session, which should be released when no longer needed. */
export interface LocalEmbedder extends Embedder {
  /** Releases the ONNX Runtime session. */
  dispose(): Promise<void>;
}

/** Progress of one file (or, with status 'progress_total' and file '*', of all files) during a download. */
export interface DownloadProgress {
  file: string;
  loaded?: number;
  total?: number;
  status: string;
}

export interface DownloadOptions extends EmbedderOptions {
  /** Base URL of the Hub or a mirror of it. Default 'https://huggingface.co/'. */
  remoteHost?: string;
}

const DEFAULT_BATCH_SIZE = 16;
const DEFAULT_REMOTE_HOST = 'https://huggingface.co/';
/** Same rule transformers.js applies; anything else it would treat as a path relative to the cwd. */
const MODEL_ID_PATTERN = /^(\b[\w\-.]+\b\/)?\b[\w\-.]{1,96}\b$/;
const ONNX_SUFFIX: Record<EmbedderOptions['dtype'], string> = { q8: '_quantized', fp32: '' };

function assertValidModelId(modelId: string): void {
  if (!MODEL_ID_PATTERN.test(modelId) || modelId.includes('..') || modelId.includes('--')) {
    throw new RahnamaError('RAHNAMA_MODEL_ID_INVALID', [`Invalid model id "${modelId}": expected "owner/name".`]);
  }
}

function modelFolder(options: Pick<EmbedderOptions, 'modelId' | 'modelsDir'>): string {
  return join(resolve(options.modelsDir), ...options.modelId.split('/'));
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Files (relative to the model folder) that loading needs. Large models may keep
 * weights in `.onnx_data` chunks; config.json's `transformers.js_config` says so.
 */
async function requiredFiles(folder: string, dtype: EmbedderOptions['dtype']): Promise<string[]> {
  const onnxName = `model${ONNX_SUFFIX[dtype]}.onnx`;
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/${onnxName}`];
  for (const chunk of externalDataChunks(await readJsonOrNull(join(folder, 'config.json')), onnxName)) {
    files.push(`onnx/${chunk}`);
  }
  return files;
}

async function readJsonOrNull(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

function externalDataChunks(config: unknown, onnxName: string): string[] {
  const setting = (config as { 'transformers.js_config'?: { use_external_data_format?: unknown } } | null)?.[
    'transformers.js_config'
  ]?.use_external_data_format;
  const perFile =
    setting !== null && typeof setting === 'object'
      ? (setting as Record<string, unknown>)[onnxName] ?? (setting as Record<string, unknown>)['model']
      : setting;
  const count = Number(perFile ?? 0) || 0;
  return Array.from({ length: count }, (_, i) => `${onnxName}_data${i === 0 ? '' : `_${i}`}`);
}

async function missingFiles(options: Pick<EmbedderOptions, 'modelId' | 'modelsDir' | 'dtype'>): Promise<string[]> {
  const folder = modelFolder(options);
  const files = await requiredFiles(folder, options.dtype);
  const present = await Promise.all(files.map((file) => fileExists(join(folder, file))));
  return files.filter((_, i) => !present[i]);
}

/** Whether the model's files are present locally. */
export async function hasLocalModel(options: Pick<EmbedderOptions, 'modelId' | 'modelsDir' | 'dtype'>): Promise<boolean> {
  assertValidModelId(options.modelId);
  return (await missingFiles(options)).length === 0;
}

/**
 * transformers.js keeps its settings in one global `env`, read during (async)
 * loads. Loads and downloads are queued one at a time so two of them with
 * different folders or remote settings cannot see each other's values.
 */
let envQueue: Promise<unknown> = Promise.resolve();

interface EnvSettings {
  modelsDir: string;
  allowRemote: boolean;
  remoteHost?: string;
}

function withTransformersEnv<T>(settings: EnvSettings, task: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    const { env } = await transformers();
    const dir = resolve(settings.modelsDir);
    env.allowLocalModels = true;
    env.localModelPath = dir;
    // Some internal look-ups (tokenizer file discovery) ignore the cache_dir option and
    // use env.cacheDir, so it must point at the same folder.
    env.cacheDir = dir;
    env.useFSCache = true;
    env.useBrowserCache = false;
    env.useCustomCache = false;
    env.allowRemoteModels = settings.allowRemote;
    env.remoteHost = settings.remoteHost ?? DEFAULT_REMOTE_HOST;
    try {
      return await task();
    } finally {
      // Outside a download nothing should reach the network, whoever uses transformers.js next.
      env.allowRemoteModels = false;
    }
  };
  const result = envQueue.then(run, run);
  envQueue = result.catch(() => undefined);
  return result;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads from modelsDir only (env.allowRemoteModels = false); throws a clear error (with code) if missing. */
export async function loadLocalEmbedder(options: EmbedderOptions): Promise<LocalEmbedder> {
  assertValidModelId(options.modelId);
  // Checked here, before transformers.js runs, so a missing model fails fast and
  // never reaches code paths that could try the network.
  const missing = await missingFiles(options);
  if (missing.length > 0) {
    throw new RahnamaError(
      'RAHNAMA_MODEL_MISSING', [`Embedding model "${options.modelId}" (${options.dtype}) is not in ${modelFolder(options)}; ` +
        `missing: ${missing.join(', ')}. Download it first (npm run model:fetch).`],
    );
  }

  const loadOptions = {
    cache_dir: resolve(options.modelsDir),
    local_files_only: true,
    dtype: options.dtype,
  } as const;
  const extractor = await withTransformersEnv({ modelsDir: options.modelsDir, allowRemote: false }, async () => {
    try {
      const { AutoModel, AutoTokenizer, FeatureExtractionPipeline } = await transformers();
      const [tokenizer, model] = await Promise.all([
        AutoTokenizer.from_pretrained(options.modelId, loadOptions),
        AutoModel.from_pretrained(options.modelId, loadOptions),
      ]);
      return new FeatureExtractionPipeline({ task: 'feature-extraction', model, tokenizer });
    } catch (error) {
      throw new RahnamaError(
        'RAHNAMA_MODEL_LOAD_FAILED', [`Could not load embedding model "${options.modelId}" from ${modelFolder(options)}: ${errorMessage(error)}`],
        { cause: error },
      );
    }
  });

  return createPipelineEmbedder(extractor, options);
}

async function createPipelineEmbedder(
  extractor: FeatureExtractionPipeline,
  options: EmbedderOptions,
): Promise<LocalEmbedder> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    const output = await extractor(texts, { pooling: 'mean', normalize: true });
    const [rows, width] = output.dims as [number, number];
    const data = output.data as Float32Array;
    // Copies, so callers (and the cache) never hold views into the tensor's buffer.
    return Array.from({ length: rows }, (_, i) => data.slice(i * width, (i + 1) * width));
  }

  async function embed(texts: readonly string[], kind: 'query' | 'passage'): Promise<Float32Array[]> {
    const prefix = kind === 'query' ? options.queryPrefix : options.passagePrefix;
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize).map((text) => prefix + text);
      vectors.push(...(await embedBatch(batch)));
    }
    return vectors;
  }

  // One probe both proves the model runs and gives the true output width.
  let dimensions = 0;
  try {
    const [probe] = await embedBatch([options.queryPrefix + 'probe']);
    dimensions = probe?.length ?? 0;
  } catch (error) {
    await extractor.dispose();
    throw new RahnamaError(
      'RAHNAMA_MODEL_LOAD_FAILED', [`Embedding model "${options.modelId}" failed its first run: ${errorMessage(error)}`],
      { cause: error },
    );
  }
  if (dimensions === 0) {
    await extractor.dispose();
    throw new RahnamaError('RAHNAMA_MODEL_LOAD_FAILED', [`Embedding model "${options.modelId}" produced no output.`]);
  }

  return {
    modelId: options.modelId,
    dimensions,
    embed,
    async dispose() {
      await extractor.dispose();
    },
  };
}

function toDownloadProgress(info: ProgressInfo): DownloadProgress | undefined {
  switch (info.status) {
    case 'initiate':
    case 'download':
    case 'done':
      return { file: info.file, status: info.status };
    case 'progress':
      return { file: info.file, status: info.status, loaded: info.loaded, total: info.total };
    case 'progress_total':
      return { file: '*', status: info.status, loaded: info.loaded, total: info.total };
    default:
      return undefined;
  }
}

/** How long the host may take to answer the first request before the download is given up. */
const HOST_PROBE_TIMEOUT_MS = 15_000;

/**
 * Rejects when the model's host does not answer at all (no network, a firewall, a wrong
 * MODEL_REMOTE_HOST). Asked with a plain fetch first, so that a server that cannot download never
 * loads transformers.js and ONNX Runtime (about 45 MB of memory) only to find that out. Any HTTP
 * answer counts: what it means for the model is for transformers.js to say.
 */
async function assertHostAnswers(host: string, modelId: string): Promise<void> {
  const url = new URL(`${modelId}/resolve/main/config.json`, host.endsWith('/') ? host : `${host}/`);
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(HOST_PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
  } catch (error) {
    throw new RahnamaError(
      'RAHNAMA_MODEL_DOWNLOAD_FAILED', [`Could not download embedding model "${modelId}": ${url.host} does not answer (${errorMessage((error as { cause?: unknown }).cause ?? error)})`],
      { cause: error },
    );
  }
}

/**
 * Downloads the model into modelsDir from the Hub (allowRemoteModels true,
 * cache_dir = modelsDir), reporting progress; rejects on network failure.
 * Files already present are not fetched again.
 */
export async function downloadModel(
  options: DownloadOptions,
  onProgress?: (p: DownloadProgress) => void,
): Promise<void> {
  assertValidModelId(options.modelId);
  const modelsDir = resolve(options.modelsDir);
  const progress_callback = onProgress
    ? (info: ProgressInfo) => {
        const event = toDownloadProgress(info);
        if (event) onProgress(event);
      }
    : undefined;
  const downloadOptions = { cache_dir: modelsDir, dtype: options.dtype, progress_callback };
  const host = options.remoteHost ?? DEFAULT_REMOTE_HOST;
  await assertHostAnswers(host, options.modelId);

  await withTransformersEnv(
    { modelsDir, allowRemote: true, remoteHost: host },
    async () => {
      let model: PreTrainedModel | undefined;
      try {
        const { AutoModel, AutoTokenizer } = await transformers();
        // Loading through transformers.js fetches exactly the files it will later need
        // and its file cache writes them to <modelsDir>/<modelId>/ (temp file + rename).
        await AutoTokenizer.from_pretrained(options.modelId, downloadOptions);
        model = await AutoModel.from_pretrained(options.modelId, downloadOptions);
      } catch (error) {
        throw new RahnamaError(
          'RAHNAMA_MODEL_DOWNLOAD_FAILED', [`Could not download embedding model "${options.modelId}": ${errorMessage(error)}`],
          { cause: error },
        );
      } finally {
        await model?.dispose();
      }
    },
  );

  const missing = await missingFiles(options);
  if (missing.length > 0) {
    throw new RahnamaError(
      'RAHNAMA_MODEL_DOWNLOAD_FAILED', [`Download of "${options.modelId}" finished but files are missing in ${modelFolder(options)}: ${missing.join(', ')}`],
    );
  }
}
