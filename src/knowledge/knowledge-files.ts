import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { VersionConflictError, type Documents, type Store } from '../storage/store.js';
import { readKnowledgeSources, type KnowledgeSource } from './load.js';

/** One file to write (`after`), or to delete (`after: null`), if it still reads `before` ('' = does not exist). */
export interface KnowledgeFileChange {
  readonly file: string;
  readonly before: string;
  readonly after: string | null;
}

/**
 * Where the published knowledge base lives: the YAML files in KNOWLEDGE_DIR (one instance), or
 * the database (several instances: every one serves the same version). Either way it is the
 * same set of files, by name (`avrr-cost.yaml`, `flows/eligibility.yaml`, `contacts.yaml`).
 */
export interface KnowledgeFiles {
  /** Every file, in name order. */
  list(): Promise<KnowledgeSource[]>;
  /** A file's text; '' when it does not exist. */
  read(file: string): Promise<string>;
  /**
   * Applies the changes if every file still reads its `before`: all of them, or none. Returns
   * the files that had changed meanwhile (nothing was written then), or none on success.
   */
  replace(changes: readonly KnowledgeFileChange[]): Promise<string[]>;
}

/**
 * The knowledge folder. One process writes it (the console's editor queues its publishing), so
 * the check and the writes cannot interleave; a failed write puts back the files already written.
 */
export class DirectoryKnowledgeFiles implements KnowledgeFiles {
  constructor(readonly dir: string) {}

  /** In name order as the database lists them (the folder's own order puts `flows/…` last). */
  async list(): Promise<KnowledgeSource[]> {
    return (await readKnowledgeSources(this.dir)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  async read(file: string): Promise<string> {
    return readFile(this.pathOf(file), 'utf8').catch(() => '');
  }

  async replace(changes: readonly KnowledgeFileChange[]): Promise<string[]> {
    const current = await Promise.all(changes.map((c) => this.read(c.file)));
    const stale = changes.filter((c, i) => current[i] !== c.before).map((c) => c.file);
    if (stale.length > 0) return stale;
    const done: KnowledgeFileChange[] = [];
    try {
      for (const change of changes) {
        await this.write(change.file, change.after);
        done.push(change);
      }
    } catch (error) {
      for (const change of done) await this.write(change.file, change.before || null).catch(() => undefined);
      throw error;
    }
    return [];
  }

  private async write(file: string, text: string | null): Promise<void> {
    if (text === null) await unlink(this.pathOf(file)).catch(() => undefined);
    else await writeFileAtomically(this.pathOf(file), text, 0o644);
  }

  /** Names come from entry ids (checked by the schema) or the folder itself; never outside it. */
  private pathOf(file: string): string {
    const resolved = path.resolve(this.dir, file);
    if (!resolved.startsWith(path.resolve(this.dir) + path.sep)) throw new Error(`knowledge file outside the folder: ${file}`);
    return resolved;
  }
}

/** The published knowledge base in the store (PostgreSQL): one document per file, its text. */
export class StoredKnowledgeFiles implements KnowledgeFiles {
  private readonly files: Documents<{ text: string }>;

  constructor(store: Store) {
    this.files = store.documents('knowledge-files');
  }

  async list(): Promise<KnowledgeSource[]> {
    return (await this.files.list()).map((d) => ({ file: d.key, text: d.value.text }));
  }

  async read(file: string): Promise<string> {
    return (await this.files.get(file))?.value.text ?? '';
  }

  async replace(changes: readonly KnowledgeFileChange[]): Promise<string[]> {
    const found = new Map((await this.files.getMany(changes.map((c) => c.file))).map((d) => [d.key, d]));
    const stale = changes.filter((c) => (found.get(c.file)?.value.text ?? '') !== c.before).map((c) => c.file);
    if (stale.length > 0) return stale;
    try {
      // Conditional on the versions just read: a write by another instance in between is a conflict.
      await this.files.apply(changes.map((c) => ({ key: c.file, value: c.after === null ? null : { text: c.after }, ifVersion: found.get(c.file)?.version ?? null })));
      return [];
    } catch (error) {
      if (error instanceof VersionConflictError) return [...error.keys];
      throw error;
    }
  }

  /** Fills an empty store from the knowledge folder (the first start on a new database); false when it already held files. */
  async seed(sources: readonly KnowledgeSource[]): Promise<boolean> {
    if ((await this.files.list({ limit: 1 })).length > 0) return false;
    try {
      await this.files.apply(sources.map((s) => ({ key: s.file, value: { text: s.text }, ifVersion: null })));
      return true;
    } catch (error) {
      // Another instance starting at the same moment seeded it.
      if (error instanceof VersionConflictError) return false;
      throw error;
    }
  }
}
