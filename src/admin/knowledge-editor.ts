import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { KnowledgeFiles } from '../knowledge/knowledge-files.js';
import type { LiveKnowledge } from '../knowledge/live-knowledge.js';
import { OUT_OF_SCOPE_FILE, SPECIAL_FILES, validateKnowledge, type KnowledgeProblem } from '../knowledge/load.js';
import { ROMANISED_LANGUAGES, type KnowledgeEntry } from '../knowledge/schema.js';
import type { Lang } from '../languages.js';
import type { AuditLog, AuditRecord } from './audit-log.js';
import { entryFileText } from './entry-yaml.js';

/** An entry as its file has it now, and that file's version (a hash of its text). */
export interface EditableEntry {
  readonly entry: KnowledgeEntry;
  readonly version: string;
}

export type PublishResult =
  | { readonly published: true; readonly version: string }
  | { readonly published: false; readonly conflict: true }
  | { readonly published: false; readonly problems: readonly KnowledgeProblem[] };

export type PublishManyResult =
  | { readonly published: true; readonly files: readonly string[] }
  | { readonly published: false; readonly conflict: readonly string[] }
  | { readonly published: false; readonly problems: readonly KnowledgeProblem[] };

const versionOf = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

const romanisable: ReadonlySet<Lang> = new Set(ROMANISED_LANGUAGES);

/** Latin letters and none of the language's own script, in a language people often type so. */
function isRomanised(lang: Lang, text: string): boolean {
  return romanisable.has(lang) && /\p{Script=Latin}/u.test(text) && !/[\p{Script=Arabic}\p{Script=Cyrillic}]/u.test(text);
}

/** The version of a file that does not exist yet: what a new entry is based on. */
export const NEW_ENTRY_VERSION = versionOf('');

/**
 * Publishing from the console: the knowledge files (the YAML files in `knowledge/`, or their
 * copy in the database when several instances share it) stay the source of truth. An edit is
 * checked with the same rules as `npm run kb:check` (against the whole knowledge base), written
 * atomically, put into service at once (into the live knowledge, which the engine follows),
 * announced to the other instances, and logged. A save based on an older version of the file
 * than the published one is refused, never merged silently, also when another instance
 * published in between.
 */
export class KnowledgeEditor {
  /** Publishes one at a time: the version check and the write must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly files: KnowledgeFiles,
    /** The knowledge in service, where a published edit goes at once. */
    private readonly knowledge: LiveKnowledge,
    private readonly audit: AuditLog,
    /** Tells the other instances what was published (nothing to tell with one instance). */
    private readonly announce: (files: readonly string[]) => Promise<void> = async () => undefined,
  ) {}

  fileOf(id: string): string {
    return `${id}.yaml`;
  }

  /** Whether an id would name a file that is not an entry (`contacts`, `glossary`, `out-of-scope`). */
  isReservedId(id: string): boolean {
    return SPECIAL_FILES.has(this.fileOf(id));
  }

  /** A special file (e.g. `out-of-scope.yaml`) as published, and its version; '' when it does not exist. */
  async readFile(file: string): Promise<{ readonly text: string; readonly version: string }> {
    const text = await this.files.read(file);
    return { text, version: versionOf(text) };
  }

  /**
   * Publishes a special file's new text (the out-of-scope examples): checked against the whole
   * knowledge base as an entry is, refused when the file changed since `baseVersion`, written,
   * put into service, announced and logged. Out-of-scope examples take effect at once; contacts
   * on each instance's next start (publishing always checks against the glossary as published).
   */
  publishFile(file: string, text: string, baseVersion: string, who: string): Promise<PublishResult> {
    const run = async (): Promise<PublishResult> => {
      if (!SPECIAL_FILES.has(file)) throw new Error(`not a special knowledge file: ${file}`);
      const before = await this.files.read(file);
      if (versionOf(before) !== baseVersion) return { published: false, conflict: true };
      const sources = (await this.files.list()).filter((s) => s.file !== file);
      const { knowledgeBase, problems } = validateKnowledge([...sources, { file, text }]);
      if (!knowledgeBase) return { published: false, problems: problems.some((p) => p.file === file) ? problems.filter((p) => p.file === file) : problems };
      if (before === text) return { published: true, version: versionOf(text) };
      if ((await this.files.replace([{ file, before, after: text }])).length > 0) return { published: false, conflict: true };
      if (file === OUT_OF_SCOPE_FILE) this.knowledge.replaceOutOfScope(knowledgeBase.outOfScope);
      await this.announce([file]);
      await this.audit.record({ at: new Date().toISOString(), who, action: before ? 'publish' : 'create', file, before, after: text });
      return { published: true, version: versionOf(text) };
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async read(id: string): Promise<EditableEntry | undefined> {
    if (!this.knowledge.entries.has(id)) return undefined;
    const text = await this.files.read(this.fileOf(id));
    if (!text) return undefined;
    return { entry: parse(text) as KnowledgeEntry, version: versionOf(text) };
  }

  /** Publishes an edited entry: its file changes only where the entry did (see `entryFileText`). */
  publish(entry: KnowledgeEntry, baseVersion: string, who: string): Promise<PublishResult> {
    const run = () => this.publishNow(entry.id, (before) => entryFileText(entry, before), baseVersion, who, 'publish');
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Deletes an entry's file, if the knowledge base is still valid without it (no other entry
   * or guided check points to it), takes it out of service and logs it with its text.
   */
  remove(id: string, baseVersion: string, who: string): Promise<PublishResult> {
    const run = async (): Promise<PublishResult> => {
      const file = this.fileOf(id);
      const before = await this.files.read(file);
      if (!before || versionOf(before) !== baseVersion) return { published: false, conflict: true };
      const { knowledgeBase, problems } = validateKnowledge((await this.files.list()).filter((s) => s.file !== file));
      if (!knowledgeBase) return { published: false, problems };
      if ((await this.files.replace([{ file, before, after: null }])).length > 0) return { published: false, conflict: true };
      this.knowledge.removeEntry(id);
      await this.announce([file]);
      await this.audit.record({ at: new Date().toISOString(), who, action: 'delete', file, before, after: '' });
      return { published: true, version: NEW_ENTRY_VERSION };
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The entry's changes through the console, newest first. */
  history(id: string): Promise<AuditRecord[]> {
    return this.audit.historyOf(this.fileOf(id));
  }

  /**
   * Adds a question people asked as a variant of an entry in its language, and publishes it. A
   * question typed in Latin letters in a language people romanise (Arabizi, Finglish …) is a
   * romanised spelling, not a variant.
   */
  async addVariant(entryId: string, lang: Lang, question: string, who: string): Promise<PublishResult | undefined> {
    const found = await this.read(entryId);
    if (!found) return undefined;
    const entry = structuredClone(found.entry);
    const t = entry.languages[lang];
    if (isRomanised(lang, question)) t.romanised = [...(t.romanised ?? []), question.trim()];
    else t.variants.push(question.trim());
    return this.publish(entry, found.version, who);
  }

  /** Publishes an earlier text of an entry's file again (from its history), exactly as it was. */
  restore(entryId: string, text: string, baseVersion: string, who: string): Promise<PublishResult> {
    const entry = parse(text) as KnowledgeEntry | null;
    if (entry?.id !== entryId) return Promise.resolve({ published: false, problems: [{ file: this.fileOf(entryId), field: 'id', message: 'that version is of another entry' }] });
    const run = () => this.publishNow(entryId, () => text, baseVersion, who, 'restore');
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async publishNow(id: string, textFrom: (before: string) => string, baseVersion: string, who: string, action: AuditRecord['action']): Promise<PublishResult> {
    const file = this.fileOf(id);
    const before = await this.files.read(file);
    if (versionOf(before) !== baseVersion) return { published: false, conflict: true };
    const after = textFrom(before);
    // Nothing changed: nothing to write, announce or log.
    if (after === before) return { published: true, version: baseVersion };
    const sources = (await this.files.list()).filter((s) => s.file !== file);
    const { knowledgeBase, problems } = validateKnowledge([...sources, { file, text: after }]);
    const published = knowledgeBase?.entries.get(id);
    if (!published) return { published: false, problems: problems.filter((p) => p.file === file).length > 0 ? problems.filter((p) => p.file === file) : problems };
    // Another instance may have published this file since it was read: then nothing is written.
    if ((await this.files.replace([{ file, before, after }])).length > 0) return { published: false, conflict: true };
    this.knowledge.upsertEntry(published);
    await this.announce([file]);
    await this.audit.record({ at: new Date().toISOString(), who, action: before ? action : 'create', file, before, after });
    return { published: true, version: versionOf(after) };
  }

  /**
   * Checks several edited entries together against the whole knowledge base, as publishing them
   * all at once would (a spreadsheet import's dry run). Writes nothing.
   */
  async checkMany(entries: readonly KnowledgeEntry[]): Promise<readonly KnowledgeProblem[]> {
    const after = new Map(entries.map((e) => [this.fileOf(e.id), entryFileText(e)]));
    const sources = (await this.files.list()).filter((s) => !after.has(s.file));
    return validateKnowledge([...sources, ...[...after].map(([file, text]) => ({ file, text }))]).problems;
  }

  /**
   * Publishes several entries at once (a spreadsheet import): all or none. Every file must still
   * be at the version the edit was based on and the knowledge base must be valid with all of
   * them; then they are written together (see KnowledgeFiles.replace), the live knowledge puts
   * them into service, and each goes to the audit log.
   */
  publishMany(edits: readonly { entry: KnowledgeEntry; baseVersion: string }[], who: string): Promise<PublishManyResult> {
    const run = () => this.publishManyNow(edits, who);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async publishManyNow(edits: readonly { entry: KnowledgeEntry; baseVersion: string }[], who: string): Promise<PublishManyResult> {
    const files = await Promise.all(
      edits.map(async ({ entry, baseVersion }) => {
        const file = this.fileOf(entry.id);
        const before = await this.files.read(file);
        return { id: entry.id, file, before, baseVersion, after: entryFileText(entry, before) };
      }),
    );
    const stale = files.filter((f) => versionOf(f.before) !== f.baseVersion).map((f) => f.id);
    if (stale.length > 0) return { published: false, conflict: stale };
    const changed = new Set(files.map((f) => f.file));
    const sources = (await this.files.list()).filter((s) => !changed.has(s.file));
    const { knowledgeBase, problems } = validateKnowledge([...sources, ...files.map(({ file, after }) => ({ file, text: after }))]);
    if (!knowledgeBase) return { published: false, problems };
    const changedMeanwhile = await this.files.replace(files.map(({ file, before, after }) => ({ file, before, after })));
    if (changedMeanwhile.length > 0) return { published: false, conflict: files.filter((f) => changedMeanwhile.includes(f.file)).map((f) => f.id) };
    await this.announce(files.map((f) => f.file));
    const at = new Date().toISOString();
    for (const f of files) {
      const entry = knowledgeBase.entries.get(f.id);
      if (entry) this.knowledge.upsertEntry(entry);
      await this.audit.record({ at, who, action: 'publish', file: f.file, before: f.before, after: f.after });
    }
    return { published: true, files: files.map((f) => f.file) };
  }
}
