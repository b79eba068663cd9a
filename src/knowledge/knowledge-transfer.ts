import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../storage/atomic-file.js';
import type { KnowledgeFiles } from './knowledge-files.js';
import { readKnowledgeSources, validateKnowledge, type KnowledgeProblem } from './load.js';

/** What an export or import changed, by file name. */
export interface TransferReport {
  readonly written: readonly string[];
  readonly deleted: readonly string[];
  readonly unchanged: number;
}

/**
 * `kb:export`: the published knowledge base (in the database) into a folder, so that the folder
 * is exactly the published version (for git and review): changed files are written atomically,
 * knowledge files the database no longer has are deleted, other files are left alone.
 */
export async function exportKnowledge(files: KnowledgeFiles, dir: string): Promise<TransferReport> {
  const published = await files.list();
  const onDisk = new Map((await readKnowledgeSources(dir)).map((s) => [s.file, s.text]));
  const written: string[] = [];
  for (const { file, text } of published) {
    if (onDisk.get(file) === text) continue;
    await writeFileAtomically(path.join(dir, file), text, 0o644);
    written.push(file);
  }
  const keep = new Set(published.map((s) => s.file));
  const deleted = [...onDisk.keys()].filter((file) => !keep.has(file));
  for (const file of deleted) await unlink(path.join(dir, file));
  return { written, deleted, unchanged: published.length - written.length };
}

export type ImportResult = ({ readonly imported: true } & TransferReport) | { readonly imported: false; readonly problems: readonly KnowledgeProblem[] } | { readonly imported: false; readonly conflict: readonly string[] };

/**
 * `kb:import`: a folder's knowledge files become the published version, after the same
 * validation as `kb:check` (any problem: nothing changes). All files change together or none
 * (a publish from the console in between is a conflict; run it again). `record` is told of each
 * changed file, for the audit log.
 */
export async function importKnowledge(
  files: KnowledgeFiles,
  dir: string,
  record: (change: { file: string; before: string; after: string }) => Promise<void>,
): Promise<ImportResult> {
  const incoming = await readKnowledgeSources(dir);
  const { knowledgeBase, problems } = validateKnowledge(incoming);
  if (!knowledgeBase) return { imported: false, problems };
  const published = new Map((await files.list()).map((s) => [s.file, s.text]));
  const changes = [
    ...incoming.filter((s) => published.get(s.file) !== s.text).map((s) => ({ file: s.file, before: published.get(s.file) ?? '', after: s.text as string | null })),
    ...[...published].filter(([file]) => !incoming.some((s) => s.file === file)).map(([file, before]) => ({ file, before, after: null })),
  ];
  const stale = changes.length > 0 ? await files.replace(changes) : [];
  if (stale.length > 0) return { imported: false, conflict: stale };
  for (const c of changes) await record({ file: c.file, before: c.before, after: c.after ?? '' });
  return {
    imported: true,
    written: changes.filter((c) => c.after !== null).map((c) => c.file),
    deleted: changes.filter((c) => c.after === null).map((c) => c.file),
    unchanged: incoming.length - changes.filter((c) => c.after !== null).length,
  };
}
