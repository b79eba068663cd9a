import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { parseDocument } from 'yaml';
import { RahnamaError } from '../errors.js';
import { LANGUAGES } from '../languages.js';
import { unknownPlaceholders } from './placeholders.js';
import {
  ContactsFileSchema,
  EntryFileSchema,
  type ContactsFile,
  type KnowledgeEntry,
} from './schema.js';

/** One thing wrong with the knowledge base, said so that a staff member can fix it. */
export interface KnowledgeProblem {
  /** File name relative to the knowledge folder. */
  readonly file: string;
  /** Dotted path of the field, e.g. `languages.fa.answer`; absent for whole-file problems. */
  readonly field?: string;
  readonly message: string;
}

export interface KnowledgeBase {
  /** Entries by id, in file-name order. */
  readonly entries: ReadonlyMap<string, KnowledgeEntry>;
  readonly contacts: ContactsFile;
}

export class KnowledgeBaseError extends RahnamaError {
  constructor(readonly problems: readonly KnowledgeProblem[]) {
    super('RAHNAMA_KNOWLEDGE_INVALID', [problems.length]);
    this.message += ':\n' + problems.map(formatProblem).join('\n');
  }
}

export function formatProblem(p: KnowledgeProblem): string {
  return `  ${p.file}${p.field ? ` › ${p.field}` : ''}: ${p.message}`;
}

export const CONTACTS_FILE = 'contacts.yaml';

/** A knowledge file's name and text, as read from disk (or, later, from the staff console). */
export interface KnowledgeSource {
  readonly file: string;
  readonly text: string;
}

/** Reads every `*.yaml` file of the knowledge folder (not subfolders: they hold other data). */
export async function readKnowledgeSources(dir: string): Promise<KnowledgeSource[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
    .map((d) => d.name)
    .sort();
  return Promise.all(
    names.map(async (file) => ({ file, text: await readFile(path.join(dir, file), 'utf8') })),
  );
}

/** Loads and validates the knowledge folder; throws KnowledgeBaseError listing every problem. */
export async function loadKnowledgeBase(dir: string): Promise<KnowledgeBase> {
  const { knowledgeBase, problems } = validateKnowledge(await readKnowledgeSources(dir));
  if (!knowledgeBase) throw new KnowledgeBaseError(problems);
  return knowledgeBase;
}

/** Validates every source and reports every problem at once. */
export function validateKnowledge(sources: readonly KnowledgeSource[]): {
  knowledgeBase?: KnowledgeBase;
  problems: KnowledgeProblem[];
} {
  const problems: KnowledgeProblem[] = [];
  const entries = new Map<string, KnowledgeEntry>();
  const fileOfId = new Map<string, string>();
  let contacts: ContactsFile | undefined;

  for (const { file, text } of sources) {
    if (!file.endsWith('.yaml')) {
      problems.push({ file, message: 'knowledge files must end in .yaml' });
      continue;
    }
    const data = parseYaml(file, text, problems);
    if (data === undefined) continue;
    if (file === CONTACTS_FILE) {
      if (checkSchema(file, ContactsFileSchema, data, problems)) contacts = data as ContactsFile;
      continue;
    }
    // Identity first, so duplicates are found even in files with other problems.
    const id = (data as { id?: unknown } | null)?.id;
    let duplicate = false;
    if (typeof id === 'string') {
      const expectedId = file.slice(0, -'.yaml'.length);
      if (id !== expectedId) problems.push({ file, field: 'id', message: `id "${id}" must equal the file name "${expectedId}"` });
      const other = fileOfId.get(id);
      if (other) problems.push({ file, field: 'id', message: `duplicate id "${id}" (also in ${other})` });
      else fileOfId.set(id, file);
      duplicate = !!other;
    }
    if (!checkSchema(file, EntryFileSchema, data, problems) || duplicate) continue;
    const entry = data as KnowledgeEntry;
    checkTranslations(file, entry, problems);
    entries.set(entry.id, entry);
  }

  for (const [id, entry] of entries) {
    const file = fileOfId.get(id) ?? `${id}.yaml`;
    entry.related?.forEach((rel, i) => {
      if (rel === id) problems.push({ file, field: `related[${i}]`, message: 'an entry cannot be related to itself' });
      else if (!fileOfId.has(rel)) problems.push({ file, field: `related[${i}]`, message: `no entry has the id "${rel}"` });
    });
  }
  if (!contacts) problems.push({ file: CONTACTS_FILE, message: 'missing: the contact details file is required' });
  if (entries.size === 0) problems.push({ file: '.', message: 'the knowledge base has no entries' });

  if (problems.length > 0 || !contacts) return { problems };
  return { knowledgeBase: { entries, contacts }, problems };
}

function parseYaml(file: string, text: string, problems: KnowledgeProblem[]): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = error.linePos?.[0];
      problems.push({ file, message: `YAML syntax${line ? ` (line ${line.line}, column ${line.col})` : ''}: ${error.message.split('\n')[0]}` });
    }
    return undefined;
  }
  return doc.toJS();
}

function checkTranslations(file: string, entry: KnowledgeEntry, problems: KnowledgeProblem[]): void {
  for (const lang of LANGUAGES) {
    const t = entry.languages[lang];
    const field = `languages.${lang}`;
    for (const name of unknownPlaceholders(t.answer)) {
      problems.push({ file, field: `${field}.answer`, message: `unknown placeholder {{${name}}}` });
    }
    const seen = new Set([normaliseForDuplicates(t.question)]);
    t.variants.forEach((variant, i) => {
      const key = normaliseForDuplicates(variant);
      if (seen.has(key)) problems.push({ file, field: `${field}.variants[${i}]`, message: 'repeats the question or another variant' });
      seen.add(key);
    });
  }
}

function normaliseForDuplicates(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase().replace(/[\s\p{P}]+/gu, ' ').trim();
}

/** Validates against a schema; turns TypeBox's errors into file/field/reason problems. */
function checkSchema(file: string, schema: TSchema, data: unknown, problems: KnowledgeProblem[]): boolean {
  if (Value.Check(schema, data)) return true;
  const before = problems.length;
  for (const error of Value.Errors(schema, data)) {
    const parent = pointerToField(error.instancePath);
    const params = error.params as { requiredProperties?: string[]; additionalProperties?: string[] };
    if (error.keyword === 'boolean') continue; // reported once more as additionalProperties
    if (error.keyword === 'required') {
      for (const name of params.requiredProperties ?? []) {
        if (hasOwn(data, error.instancePath, name)) continue;
        problems.push({ file, field: join(parent, name), message: parent === 'languages' ? `missing language "${name}"` : 'is missing' });
      }
    } else if (error.keyword === 'additionalProperties') {
      for (const name of params.additionalProperties ?? []) {
        problems.push({
          file,
          field: join(parent, name),
          message: parent === 'languages'
            ? `unknown language code "${name}" (expected one of ${LANGUAGES.join(', ')})`
            : 'is not a known field',
        });
      }
    } else if (error.keyword === 'minLength' || (error.keyword === 'pattern' && /\\S/.test(String((error.params as { pattern?: string }).pattern)))) {
      problems.push({ file, field: parent, message: 'must not be empty' });
    } else if (error.keyword === 'minItems') {
      problems.push({ file, field: parent, message: 'must not be empty' });
    } else if (error.keyword === 'pattern') {
      problems.push({ file, field: parent, message: describePattern(parent) });
    } else {
      problems.push({ file, field: parent || undefined, message: error.message });
    }
  }
  if (problems.length === before) problems.push({ file, message: 'does not match the expected structure' });
  return false;
}

function describePattern(field: string): string {
  if (field === 'reviewed') return 'must be a date written YYYY-MM-DD';
  if (field.endsWith('.url')) return 'must be an https:// address';
  return 'must be kebab-case (lower-case letters, digits and single hyphens)';
}

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : join(acc, part)), '');
}

function join(parent: string, name: string): string {
  return parent ? `${parent}.${name}` : name;
}

function hasOwn(root: unknown, pointer: string, name: string): boolean {
  let node: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return !!node && typeof node === 'object' && Object.hasOwn(node, name);
}
