import { randomUUID } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { isDeepStrictEqual } from 'node:util';
import type { KnowledgeFiles } from './knowledge-files.js';
import type { LiveKnowledge } from './live-knowledge.js';
import { CONTACTS_FILE, FLOWS_DIR, formatProblem, validateKnowledge, type KnowledgeSource } from './load.js';

/** Files read only at start-up. */
const NEEDS_RESTART = (file: string) => file === CONTACTS_FILE || file.startsWith(`${FLOWS_DIR}/`);

/** The broadcast topic: a knowledge edit was published (by an instance or by `npm run kb:import`). */
export const KNOWLEDGE_TOPIC = 'knowledge';

export interface SyncLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Keeps this instance's live knowledge on the published knowledge base when several instances
 * share the database: whoever publishes announces it, and every other instance reads the files
 * again, validates them as at start-up and puts each changed entry and the out-of-scope examples
 * into service (what subscribes to the live knowledge follows: the keyword index and question
 * model at once, embeddings for those entries only). Reading everything again, rather than what
 * the message names, also covers announcements missed while the database was out of reach.
 */
export class KnowledgeSync {
  private readonly origin = randomUUID();
  private running: Promise<void> = Promise.resolve();
  private stopListening: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly files: KnowledgeFiles,
    private readonly knowledge: LiveKnowledge,
    private readonly log: SyncLog,
    /**
     * Guided checks and contacts as loaded at start-up: changes to those need a restart. (The
     * glossary only decides what may be published: nothing to put into service.)
     */
    private readonly startupSources: readonly KnowledgeSource[],
  ) {}

  /** Tells the other instances (not this one: it has them in service already) that files changed. */
  announce(files: readonly string[]): Promise<void> {
    return this.store.broadcast.publish(KNOWLEDGE_TOPIC, JSON.stringify({ origin: this.origin, files }));
  }

  async start(): Promise<void> {
    this.stopListening = await this.store.broadcast.subscribe(
      KNOWLEDGE_TOPIC,
      (message) => {
        const { origin } = JSON.parse(message) as { origin?: string };
        // refresh() logs its own failures and never rejects.
        if (origin !== this.origin) void this.refresh();
      },
      () => this.refresh(),
    );
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
  }

  /** Reads the published files and applies what changed; refreshes run one at a time. Resolves when done. */
  refresh(): Promise<void> {
    this.running = this.running.then(() => this.apply()).catch((error: unknown) => {
      this.log.error({ err: (error as Error).message }, 'knowledge: could not read the published knowledge base');
    });
    return this.running;
  }

  private async apply(): Promise<void> {
    const sources = await this.files.list();
    const { knowledgeBase, problems } = validateKnowledge(sources);
    if (!knowledgeBase) {
      // Publishing validates first, so only a hand edit of the database gets here: keep serving.
      this.log.error({ problems: problems.map(formatProblem) }, 'knowledge: the published knowledge base is invalid; still serving the previous one');
      return;
    }
    let changed = 0;
    for (const entry of knowledgeBase.entries.values()) {
      if (isDeepStrictEqual(this.knowledge.entries.get(entry.id), entry)) continue;
      this.knowledge.upsertEntry(entry);
      changed++;
    }
    for (const id of [...this.knowledge.entries.keys()]) {
      if (knowledgeBase.entries.has(id)) continue;
      this.knowledge.removeEntry(id);
      changed++;
    }
    if (!isDeepStrictEqual(this.knowledge.outOfScope, knowledgeBase.outOfScope)) {
      this.knowledge.replaceOutOfScope(knowledgeBase.outOfScope);
      changed++;
    }
    if (changed > 0) this.log.info({ changed }, 'knowledge: published changes put into service');
    // By kind of file, not by the entries now published: an entry deleted since start-up is still an entry.
    const others = (list: readonly KnowledgeSource[]) => new Map(list.filter((s) => NEEDS_RESTART(s.file)).map((s) => [s.file, s.text]));
    if (!isDeepStrictEqual(others(sources), others(this.startupSources))) {
      this.log.error({}, 'knowledge: guided checks or contacts changed; restart this instance to use them');
    }
  }
}
