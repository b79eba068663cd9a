import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { downloadModel, hasLocalModel, loadLocalEmbedder, type EmbedderOptions, type LocalEmbedder } from './embedder.js';
import { EmbeddingCache, embeddingModelKey } from './embedding-cache.js';
import type { LiveKnowledge } from '../knowledge/live-knowledge.js';
import type { AnswerEngine } from './engine.js';
import { PassageIndex } from './passage-index.js';

/** Where the embedding model stands; reported by /readyz. */
export type ModelStatus =
  | { readonly status: 'disabled' }
  | { readonly status: 'absent'; readonly modelId: string }
  | { readonly status: 'downloading'; readonly modelId: string; readonly progress?: number }
  | { readonly status: 'loading'; readonly modelId: string }
  | { readonly status: 'ready'; readonly modelId: string; readonly passages: number }
  | { readonly status: 'failed'; readonly modelId: string; readonly error: string };

type Logger = Pick<FastifyBaseLogger, 'info' | 'warn'>;

/**
 * Brings the engine from keyword to hybrid mode without blocking start-up: loads the local
 * model, or downloads it first when allowed, then embeds the knowledge base (through the disk
 * cache) and hands the engine a dense retriever. Any failure is said once and the engine stays
 * on keyword search.
 */
export class ModelManager {
  private current: ModelStatus;
  private embedder: LocalEmbedder | undefined;
  private readonly options: EmbedderOptions;

  constructor(
    private readonly config: Pick<Config, 'embeddings' | 'modelsDir' | 'dataDir'>,
    private readonly log: Logger,
  ) {
    const e = config.embeddings;
    this.options = { modelId: e.modelId, modelsDir: config.modelsDir, dtype: e.dtype, queryPrefix: e.queryPrefix, passagePrefix: e.passagePrefix };
    this.current = e.enabled ? { status: 'absent', modelId: e.modelId } : { status: 'disabled' };
  }

  status(): ModelStatus {
    return this.current;
  }

  /**
   * Runs in the background; resolves when the engine is hybrid or has settled on keyword search.
   * Embeds `knowledge`'s entries, and again (through the cache) whenever one is published.
   */
  async start(engine: AnswerEngine, knowledge: LiveKnowledge): Promise<void> {
    if (this.current.status === 'disabled') return;
    const { modelId } = this.options;
    try {
      if (!(await hasLocalModel(this.options))) {
        if (!this.config.embeddings.download) {
          this.log.info({ modelId }, 'embedding model not present and downloads are off: keyword search only');
          return;
        }
        this.current = { status: 'downloading', modelId };
        this.log.info({ modelId, modelsDir: this.options.modelsDir }, 'downloading embedding model in the background');
        let lastLogged = -10;
        await downloadModel({ ...this.options, remoteHost: this.config.embeddings.remoteHost }, (p) => {
          if (p.status !== 'progress_total' || !p.total) return;
          const progress = Math.floor((100 * (p.loaded ?? 0)) / p.total);
          this.current = { status: 'downloading', modelId, progress };
          if (progress >= lastLogged + 10) {
            lastLogged = progress;
            this.log.info({ modelId, progress }, 'embedding model download');
          }
        });
      }
      this.current = { status: 'loading', modelId };
      this.embedder = await loadLocalEmbedder(this.options);
      const cache = await EmbeddingCache.open(path.join(this.config.dataDir, 'embeddings'), embeddingModelKey(this.options), {
        warn: (message) => this.log.warn(message),
      });
      const passages = await PassageIndex.build(this.embedder, cache, knowledge.entries.values());
      await engine.setDenseRetriever(passages);
      this.current = { status: 'ready', modelId, passages: passages.size };
      this.log.info({ modelId, passages: passages.size }, 'hybrid retrieval ready');
      // A published edit: the cache has every unchanged passage, so only the edited ones are embedded.
      // (Out-of-scope examples are not passages: the engine refits its calibration itself.)
      const embedder = this.embedder;
      let rebuilding = Promise.resolve();
      knowledge.onChange((change) => {
        if (change.kind === 'out-of-scope-changed') return;
        rebuilding = rebuilding.then(async () => {
          await engine.setDenseRetriever(await PassageIndex.build(embedder, cache, knowledge.entries.values()));
        }).catch((error: unknown) => this.log.warn({ entryId: change.id, error: (error as Error).message }, 'dense index not updated after an edit'));
      });
    } catch (error) {
      const message = (error as Error).message;
      this.current = { status: 'failed', modelId, error: message };
      this.log.warn({ modelId, error: message }, 'embedding model unavailable: staying on keyword search');
    }
  }

  async close(): Promise<void> {
    await this.embedder?.dispose();
  }
}
