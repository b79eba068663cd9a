import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { RahnamaError } from '../errors.js';
import { LANGUAGES, type Lang } from '../languages.js';
import { unknownPlaceholders } from './placeholders.js';
import { flowFileSchema, flowProblems, type Flow } from './flow.js';
import { Glossary } from './glossary.js';
import { rawHtmlIn, rawHtmlMessage } from './raw-html.js';
import { reviewDateProblem } from './review-date.js';
import {
  contactsFileSchema,
  entryFileSchema,
  glossaryFileSchema,
  outOfScopeFileSchema,
  ROMANISED_LANGUAGES,
  type ContactsFile,
  type GlossaryFile,
  type KnowledgeEntry,
  type OutOfScopeFile,
} from './schema.js';

/**
 * The files' schemas, compiled once, on the first validation: a start whose knowledge comes from
 * the engine cache validates nothing and need not pay for compiling them (about 0.2 s). Every
 * error is collected so a staff member sees all problems at once.
 */
const schemas = lazily(() => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  return {
    entry: ajv.compile<KnowledgeEntry>(entryFileSchema),
    contacts: ajv.compile<ContactsFile>(contactsFileSchema),
    flow: ajv.compile<Flow>(flowFileSchema),
    glossary: ajv.compile<GlossaryFile>(glossaryFileSchema),
    outOfScope: ajv.compile<OutOfScopeFile>(outOfScopeFileSchema),
  };
});

function lazily<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** One thing wrong (a problem) or worth a look (a warning) in the knowledge base, said so that a staff member can act on it. */
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
  /** Guided checks (`flows/<id>.yaml`) by id. */
  readonly flows: ReadonlyMap<string, Flow>;
  /** Questions no entry answers, per language (`out-of-scope.yaml`); empty lists when the file is absent. */
  readonly outOfScope: Readonly<Record<Lang, readonly string[]>>;
  /** The approved and forbidden terms (`glossary.yaml`); empty when the file is absent. */
  readonly glossary: GlossaryFile;
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
export const OUT_OF_SCOPE_FILE = 'out-of-scope.yaml';
export const GLOSSARY_FILE = 'glossary.yaml';
export const FLOWS_DIR = 'flows';

/** Files of the knowledge folder that are not entries (an entry cannot take their names as its id). */
export const SPECIAL_FILES: ReadonlySet<string> = new Set([CONTACTS_FILE, OUT_OF_SCOPE_FILE, GLOSSARY_FILE]);

/** Whether a knowledge file (by its name in the folder) is an entry: not a special file, not a guided check. */
export function isEntryFile(file: string): boolean {
  return !SPECIAL_FILES.has(file) && !file.startsWith(`${FLOWS_DIR}/`);
}

/** A knowledge file's name and text, as read from disk (or, later, from the staff console). */
export interface KnowledgeSource {
  readonly file: string;
  readonly text: string;
}

/**
 * Reads the knowledge folder's `*.yaml` files, and the guided checks in `flows/` (named
 * `flows/<id>.yaml`). Other subfolders hold other data.
 */
export async function readKnowledgeSources(dir: string): Promise<KnowledgeSource[]> {
  const yamlFiles = async (folder: string) =>
    (await readdir(path.join(dir, folder), { withFileTypes: true }).catch(() => []))
      .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
      .map((d) => path.posix.join(folder, d.name))
      .sort();
  const names = [...(await yamlFiles('.')), ...(await yamlFiles(FLOWS_DIR))];
  return Promise.all(names.map(async (file) => ({ file, text: await readFile(path.join(dir, file), 'utf8') })));
}

/** Loads and validates the knowledge folder; throws KnowledgeBaseError listing every problem. */
export async function loadKnowledgeBase(dir: string): Promise<KnowledgeBase> {
  const { knowledgeBase, problems } = validateKnowledge(await readKnowledgeSources(dir));
  if (!knowledgeBase) throw new KnowledgeBaseError(problems);
  return knowledgeBase;
}

/**
 * Validates every source and reports every problem at once. Problems make the knowledge base
 * invalid (no `knowledgeBase`); warnings do not (`kb:check` prints them and passes).
 */
export function validateKnowledge(sources: readonly KnowledgeSource[]): {
  knowledgeBase?: KnowledgeBase;
  problems: KnowledgeProblem[];
  warnings: KnowledgeProblem[];
} {
  const flowSources = sources.filter((s) => s.file.startsWith(`${FLOWS_DIR}/`));
  const problems: KnowledgeProblem[] = [];
  const warnings: KnowledgeProblem[] = [];
  const entries = new Map<string, KnowledgeEntry>();
  const fileOfId = new Map<string, string>();
  let contacts: ContactsFile | undefined;
  let glossaryFile: GlossaryFile | undefined;
  let outOfScope: OutOfScopeFile | undefined;

  for (const { file, text } of sources) {
    if (file.startsWith(`${FLOWS_DIR}/`)) continue;
    if (!file.endsWith('.yaml')) {
      problems.push({ file, message: 'knowledge files must end in .yaml' });
      continue;
    }
    const data = parseYaml(file, text, problems);
    if (data === undefined) continue;
    if (file === CONTACTS_FILE) {
      if (checkSchema(file, schemas().contacts, data, problems) && checkContacts(file, data as ContactsFile, problems)) contacts = data as ContactsFile;
      continue;
    }
    if (file === GLOSSARY_FILE) {
      if (!checkSchema(file, schemas().glossary, data, problems)) continue;
      const found = Glossary.problemsOf(data as GlossaryFile);
      for (const p of found) problems.push({ file, ...p });
      if (found.length === 0) glossaryFile = data as GlossaryFile;
      continue;
    }
    if (file === OUT_OF_SCOPE_FILE) {
      if (checkSchema(file, schemas().outOfScope, data, problems) && checkOutOfScope(file, data as OutOfScopeFile, problems)) outOfScope = data as OutOfScopeFile;
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
    if (!checkSchema(file, schemas().entry, data, problems) || duplicate) continue;
    const entry = data as KnowledgeEntry;
    checkReviewDate(file, entry.reviewed, problems);
    checkTranslations(file, entry, problems, warnings);
    entries.set(entry.id, entry);
  }

  if (glossaryFile) {
    const glossary = Glossary.compile(glossaryFile);
    for (const [id, entry] of entries) {
      const file = fileOfId.get(id) ?? `${id}.yaml`;
      for (const p of glossary.forbiddenIn(entry)) problems.push({ file, ...p });
      for (const w of glossary.missingIn(entry)) warnings.push({ file, ...w });
    }
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
  const flows = validateFlows(flowSources, (id) => fileOfId.has(id), problems);

  if (problems.length > 0 || !contacts) return { problems, warnings };
  const examples = Object.fromEntries(LANGUAGES.map((lang) => [lang, Object.freeze([...(outOfScope?.examples[lang] ?? [])])])) as Record<Lang, readonly string[]>;
  return {
    knowledgeBase: { entries, contacts, flows, outOfScope: Object.freeze(examples), glossary: glossaryFile ?? { concepts: {} } },
    problems,
    warnings,
  };
}

/** Out-of-scope examples must be distinct within each language. */
function checkOutOfScope(file: string, data: OutOfScopeFile, problems: KnowledgeProblem[]): boolean {
  const before = problems.length;
  for (const lang of LANGUAGES) {
    const seen = new Set<string>();
    data.examples[lang].forEach((example, i) => {
      const key = normaliseForDuplicates(example);
      if (seen.has(key)) problems.push({ file, field: `examples.${lang}[${i}]`, message: 'repeats another example' });
      seen.add(key);
    });
  }
  return problems.length === before;
}

function validateFlows(sources: readonly KnowledgeSource[], entryExists: (id: string) => boolean, problems: KnowledgeProblem[]): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  for (const { file, text } of sources) {
    if (!file.endsWith('.yaml')) {
      problems.push({ file, message: 'flow files must end in .yaml' });
      continue;
    }
    const data = parseYaml(file, text, problems);
    if (data === undefined || !checkSchema(file, schemas().flow, data, problems)) continue;
    const flow = data as Flow;
    const expectedId = path.posix.basename(file, '.yaml');
    if (flow.id !== expectedId) problems.push({ file, field: 'id', message: `id "${flow.id}" must equal the file name "${expectedId}"` });
    const found = [...flowProblems(flow, entryExists), ...flowTextProblems(flow)];
    const date = reviewDateProblem(flow.reviewed);
    if (date) found.push({ field: 'reviewed', message: date });
    for (const problem of found) problems.push({ file, ...problem });
    if (found.length === 0) flows.set(flow.id, flow);
  }
  return flows;
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

/** The fewest romanised spellings a language of ROMANISED_LANGUAGES should have (fewer: a warning). */
export const MIN_ROMANISED = 2;
const romanisable: ReadonlySet<Lang> = new Set(ROMANISED_LANGUAGES);
const NON_LATIN_LETTER = /[\p{Script=Arabic}\p{Script=Cyrillic}]/u;

/** A `reviewed` date that passed the schema's YYYY-MM-DD pattern must also be a real day, not in the future. */
function checkReviewDate(file: string, date: string, problems: KnowledgeProblem[]): void {
  const problem = reviewDateProblem(date);
  if (problem) problems.push({ file, field: 'reviewed', message: problem });
}

/** Contact details go into answers through placeholders: no HTML there either. */
function checkContacts(file: string, data: ContactsFile, problems: KnowledgeProblem[]): boolean {
  const before = problems.length;
  for (const [key, value] of Object.entries(data.contact)) {
    const html = rawHtmlIn(value);
    if (html) problems.push({ file, field: `contact.${key}`, message: rawHtmlMessage(html) });
  }
  return problems.length === before;
}

/** Every text a guided check shows, by field: Markdown, like answers. */
function* flowTexts(flow: Flow): Generator<readonly [string, Readonly<Record<Lang, string>>]> {
  yield ['title', flow.title];
  yield ['intro', flow.intro];
  for (const [id, step] of Object.entries(flow.steps)) {
    yield [`steps.${id}.ask`, step.ask];
    for (const [i, option] of step.options.entries()) {
      yield [`steps.${id}.options[${i}].label`, option.label];
      if (option.note) yield [`steps.${id}.options[${i}].note`, option.note];
    }
  }
  for (const [id, outcome] of Object.entries(flow.outcomes)) yield [`outcomes.${id}.say`, outcome.say];
  yield ['closing', flow.closing];
}

/** A guided check's texts are free of raw HTML, as answers are. */
function flowTextProblems(flow: Flow): { field: string; message: string }[] {
  const found: { field: string; message: string }[] = [];
  for (const [field, translated] of flowTexts(flow)) {
    for (const lang of LANGUAGES) {
      const html = rawHtmlIn(translated[lang]);
      if (html) found.push({ field: `${field}.${lang}`, message: rawHtmlMessage(html) });
    }
  }
  return found;
}

function checkTranslations(file: string, entry: KnowledgeEntry, problems: KnowledgeProblem[], warnings: KnowledgeProblem[]): void {
  for (const lang of LANGUAGES) {
    const t = entry.languages[lang];
    const field = `languages.${lang}`;
    const html = rawHtmlIn(t.answer);
    if (html) problems.push({ file, field: `${field}.answer`, message: rawHtmlMessage(html) });
    for (const name of unknownPlaceholders(t.answer)) {
      problems.push({ file, field: `${field}.answer`, message: `unknown placeholder {{${name}}}` });
    }
    const seen = new Set([normaliseForDuplicates(t.question)]);
    const unique = (list: readonly string[], name: string, message: string) =>
      list.forEach((text, i) => {
        const key = normaliseForDuplicates(text);
        if (seen.has(key)) problems.push({ file, field: `${field}.${name}[${i}]`, message });
        seen.add(key);
      });
    unique(t.variants, 'variants', 'repeats the question or another variant');
    const romanised = t.romanised ?? [];
    if (!romanisable.has(lang)) {
      if (t.romanised) problems.push({ file, field: `${field}.romanised`, message: `romanised spellings are only for ${ROMANISED_LANGUAGES.join(', ')}` });
      continue;
    }
    unique(romanised, 'romanised', 'repeats the question, a variant or another romanised spelling');
    romanised.forEach((text, i) => {
      if (NON_LATIN_LETTER.test(text)) problems.push({ file, field: `${field}.romanised[${i}]`, message: 'must be written in Latin letters (it is the question as typed without an Arabic or Cyrillic keyboard)' });
    });
    if (romanised.length < MIN_ROMANISED) {
      warnings.push({ file, field: `${field}.romanised`, message: `has ${romanised.length} romanised spelling(s); add at least ${MIN_ROMANISED} (the question in Latin letters as people type it)` });
    }
  }
}

function normaliseForDuplicates(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase().replace(/[\s\p{P}]+/gu, ' ').trim();
}

/** Validates against a compiled schema; turns Ajv's errors into file/field/reason problems. */
function checkSchema(file: string, validate: ValidateFunction, data: unknown, problems: KnowledgeProblem[]): boolean {
  if (validate(data)) return true;
  for (const error of validate.errors ?? []) problems.push({ file, ...describeError(error) });
  return false;
}

function describeError(error: ErrorObject): { field?: string; message: string } {
  const parent = pointerToField(error.instancePath);
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[]; pattern?: string };
  switch (error.keyword) {
    case 'required':
      return {
        field: join(parent, params.missingProperty ?? ''),
        message: parent === 'languages' || (parent && LANGUAGES.includes(params.missingProperty as never)) ? `missing language "${params.missingProperty}"` : 'is missing',
      };
    case 'additionalProperties':
      return parent === 'languages'
        ? { field: join(parent, params.additionalProperty ?? ''), message: `unknown language code "${params.additionalProperty}" (expected one of ${LANGUAGES.join(', ')})` }
        : { field: join(parent, params.additionalProperty ?? ''), message: 'is not a known field' };
    case 'minLength':
    case 'minProperties':
      return { field: parent, message: 'must not be empty' };
    case 'minItems':
      return { field: parent, message: (params as { limit?: number }).limit === 1 ? 'must not be empty' : `needs at least ${(params as { limit?: number }).limit} items` };
    case 'pattern':
      return { field: parent, message: params.pattern === '\\S' ? 'must not be empty' : describePattern(parent) };
    case 'enum':
      return { field: parent, message: `must be one of ${(params.allowedValues ?? []).join(', ')}` };
    default:
      return { field: parent || undefined, message: error.message ?? 'is invalid' };
  }
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
