import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { readKnowledgeSources, validateKnowledge, type KnowledgeProblem } from '../knowledge/load.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import type { AnswerEngine } from '../retrieval/engine.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import type { AuditLog } from './audit-log.js';

/** An entry as its file has it now, and that file's version (a hash of its text). */
export interface EditableEntry {
  readonly entry: KnowledgeEntry;
  readonly version: string;
}

export type PublishResult =
  | { readonly published: true; readonly version: string }
  | { readonly published: false; readonly conflict: true }
  | { readonly published: false; readonly problems: readonly KnowledgeProblem[] };

const versionOf = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/**
 * Publishing from the console: the YAML files in `knowledge/` stay the source of truth. An edit
 * is checked with the same rules as `npm run kb:check` (against the whole knowledge base), written
 * atomically, put into service at once (the engine re-indexes that entry), and logged. A save
 * based on an older version of the file than the one on disk is refused, never merged silently.
 */
export class KnowledgeEditor {
  /** Publishes one at a time: the version check and the write must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly engine: AnswerEngine,
    private readonly audit: AuditLog,
  ) {}

  fileOf(id: string): string {
    return `${id}.yaml`;
  }

  async read(id: string): Promise<EditableEntry | undefined> {
    if (!this.engine.entries.has(id)) return undefined;
    const text = await readFile(path.join(this.dir, this.fileOf(id)), 'utf8');
    return { entry: parse(text) as KnowledgeEntry, version: versionOf(text) };
  }

  publish(entry: KnowledgeEntry, baseVersion: string, who: string): Promise<PublishResult> {
    const run = () => this.publishNow(entry, baseVersion, who);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async publishNow(entry: KnowledgeEntry, baseVersion: string, who: string): Promise<PublishResult> {
    const file = this.fileOf(entry.id);
    const before = await readFile(path.join(this.dir, file), 'utf8').catch(() => '');
    if (versionOf(before) !== baseVersion) return { published: false, conflict: true };
    const after = stringify(entry, { lineWidth: 0, blockQuote: 'literal' });
    const sources = (await readKnowledgeSources(this.dir)).filter((s) => s.file !== file);
    const { knowledgeBase, problems } = validateKnowledge([...sources, { file, text: after }]);
    const published = knowledgeBase?.entries.get(entry.id);
    if (!published) return { published: false, problems: problems.filter((p) => p.file === file).length > 0 ? problems.filter((p) => p.file === file) : problems };
    await writeFileAtomically(path.join(this.dir, file), after, 0o644);
    this.engine.upsertEntry(published);
    await this.audit.record({ at: new Date().toISOString(), who, action: 'publish', file, before, after });
    return { published: true, version: versionOf(after) };
  }
}
