import type { Config } from '../config.js';
import type { Store } from '../storage/store.js';
import { DirectoryKnowledgeFiles, StoredKnowledgeFiles, type KnowledgeFiles } from './knowledge-files.js';
import { loadKnowledgeBase, readKnowledgeSources, type KnowledgeSource } from './load.js';

export interface PublishedKnowledge {
  readonly files: KnowledgeFiles;
  /** The files as they are now, for the engine. */
  readonly sources: KnowledgeSource[];
  /** True when this start filled an empty database from KNOWLEDGE_DIR. */
  readonly seeded: boolean;
}

/**
 * The published knowledge base for this store: the folder itself on the embedded store; on
 * PostgreSQL, the database's copy, which the folder seeds on the very first start (validated as
 * `kb:check` does; later changes to the folder reach the database only through `kb:import`).
 */
export async function openPublishedKnowledge(config: Pick<Config, 'knowledgeDir'>, store: Store): Promise<PublishedKnowledge> {
  if (store.kind === 'embedded') {
    const files = new DirectoryKnowledgeFiles(config.knowledgeDir);
    return { files, sources: await files.list(), seeded: false };
  }
  const files = new StoredKnowledgeFiles(store);
  let seeded = false;
  if ((await files.list()).length === 0) {
    await loadKnowledgeBase(config.knowledgeDir);
    seeded = await files.seed(await readKnowledgeSources(config.knowledgeDir));
  }
  return { files, sources: await files.list(), seeded };
}
