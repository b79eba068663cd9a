import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ROMANISED_LANGUAGES, type EntryTranslation, type KnowledgeEntry } from '../knowledge/schema.js';
import { isLang, LANGUAGES, type Lang } from '../languages.js';

/**
 * The knowledge base as a spreadsheet, for translators working offline: one row per entry and
 * language, variants and romanised spellings one per line inside their cell, the entry's
 * `referral` flag on each of its rows. Written and read as CSV (RFC 4180, UTF-8
 * with a byte-order mark so that Excel shows Arabic and Cyrillic correctly) here, and as XLSX in
 * `spreadsheet-xlsx.ts`; both go through the same rows, the same formula guard and the same plan.
 */
export const COLUMNS = ['id', 'lang', 'status', 'referral', 'question', 'variants', 'romanised', 'answer'] as const;
type Column = (typeof COLUMNS)[number];
/** Columns a spreadsheet exported before they existed may lack: then those values stay as they are. */
const OPTIONAL_COLUMNS: ReadonlySet<Column> = new Set(['referral', 'romanised']);
export type TranslationField = 'status' | 'referral' | 'question' | 'variants' | 'romanised' | 'answer';

/** The `referral` cell: `yes` on every row of a referral entry, empty otherwise. */
const REFERRAL_YES = 'yes';
const romanisable: ReadonlySet<Lang> = new Set(ROMANISED_LANGUAGES);

const BOM = '\uFEFF';

/**
 * What an uploaded spreadsheet may hold, so that a big or hostile file costs bounded time and
 * memory and gives a bounded report. The shipped knowledge base is about 500 rows of 8 cells.
 */
export const SHEET_LIMITS = {
  /** The largest file, pasted or uploaded (bytes). */
  maxBytes: 5 * 1024 * 1024,
  /** Data rows (reading stops beyond them, and the file is refused). */
  maxRows: 20_000,
  /** Cells in one row (the columns are 8; a row with more is refused without keeping them). */
  maxCellsPerRow: 64,
  /** Bad rows, and knowledge base problems, listed in the report; the rest are counted. */
  maxListed: 100,
  /** Characters of a cell quoted in a reason (an id, a language code, a status). */
  maxQuoted: 60,
} as const;

/**
 * Characters that make Excel and LibreOffice read a cell as a formula (OWASP "CSV injection"):
 * a question someone typed to the bot, kept as a variant, must not become `=HYPERLINK(...)`.
 * The full-width forms too, which Apple Numbers reads as the plain ones (as csv-stringify's own
 * `escape_formulas` does).
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
/** A quote the export put in front: before a formula character, or before another quote. */
const GUARD = /^'(?=[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20'])/;

/** The cell as it is exported: `'` in front when a spreadsheet would run it as a formula. */
export function guardCell(text: string): string {
  // A text that already starts with a quote the import would take away is guarded too, so that
  // unguardCell(guardCell(x)) is x for every x.
  return FORMULA_START.test(text) || GUARD.test(text) ? `'${text}` : text;
}

/** The cell as it was before the export guarded it (a translator's own `'x` is left alone). */
export function unguardCell(text: string): string {
  return text.replace(GUARD, '');
}

/** The spreadsheet's rows, header first, every cell guarded: what the CSV and the XLSX hold. */
export function exportRows(entries: Iterable<KnowledgeEntry>): string[][] {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows = sorted.flatMap((entry) =>
    LANGUAGES.map((lang) => {
      const t = entry.languages[lang];
      const referral = entry.referral ? REFERRAL_YES : '';
      return [entry.id, lang, t.status, referral, t.question, t.variants.join('\n'), (t.romanised ?? []).join('\n'), t.answer.replace(/\s+$/, '')].map(guardCell);
    }),
  );
  return [[...COLUMNS], ...rows];
}

/**
 * RFC 4180: records end in CRLF, and a cell holding a comma, a quote, a CR or an LF is quoted.
 * csv-stringify quotes only the record delimiter itself (CRLF) once one is given, so a cell
 * with a bare LF, as every multi-line answer has, is quoted by `quoted_match`.
 */
export function exportCsv(entries: Iterable<KnowledgeEntry>): string {
  return BOM + stringify(exportRows(entries), { record_delimiter: '\r\n', quoted_match: /[\r\n]/ });
}

/** A row that cannot be imported: its number as a spreadsheet shows it (the header is row 1). */
export interface BadRow {
  readonly row: number;
  readonly id?: string;
  readonly lang?: string;
  readonly reason: string;
}

/** What an import would change in one language of one entry. */
export interface RowChange {
  readonly row: number;
  readonly id: string;
  readonly lang: Lang;
  readonly fields: readonly TranslationField[];
}

export interface ImportPlan {
  /** Data rows read (not counting the header and empty rows). */
  readonly rows: number;
  /** The first bad rows (at most SHEET_LIMITS.maxListed). */
  readonly bad: readonly BadRow[];
  /** How many rows are bad in all (more than `bad` lists when there are many). */
  readonly badRows: number;
  readonly changes: readonly RowChange[];
  /** The entries that would change, with the rows' fields applied. */
  readonly edited: ReadonlyMap<string, KnowledgeEntry>;
}

const normaliseAnswer = (text: string) => `${text.replace(/\r\n?/g, '\n').trim()}\n`;
const normaliseQuestion = (text: string) => text.replace(/\s+/g, ' ').trim();
const normaliseVariants = (text: string) => text.split(/\r\n?|\n/).map((v) => v.trim()).filter(Boolean);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The delimiter the header row uses: Excel saves `;` where the decimal mark is a comma. */
function delimiterOf(text: string): string {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const counts = [',', ';', '\t'].map((d) => [d, header.split(d).length] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

/** One row of an uploaded spreadsheet as text cells (still guarded), or the syntax error that spoiled it. */
export type SheetRecord = { kind: 'record'; cells: string[] } | { kind: 'error'; line?: number; message: string };

/** An uploaded spreadsheet: every row in order, or why the file cannot be read at all. */
export type SheetRead = { readonly records: readonly SheetRecord[] } | { readonly unreadable: string };

/** The reason a sheet with more rows than SHEET_LIMITS.maxRows is refused. */
export const TOO_MANY_ROWS = `the spreadsheet has more than ${SHEET_LIMITS.maxRows.toLocaleString('en')} rows, far more than the knowledge base: export it again and edit that file`;

/** A row with more cells than SHEET_LIMITS.maxCellsPerRow, its cells not kept. */
export const tooManyCells = (count: number): SheetRecord => ({ kind: 'error', message: `has ${count} cells; a row has at most ${SHEET_LIMITS.maxCellsPerRow}` });

/** Thrown inside the parser's callbacks to stop reading a sheet with too many rows. */
class RowLimitReached extends Error {}

/** Every record of the CSV in order, a syntax error taking the place of the record it spoiled. */
export function readCsv(text: string): SheetRead {
  // Excel's plain "CSV" is saved in the computer's code page, which is not UTF-8.
  if (text.includes('\uFFFD')) {
    return { unreadable: 'the file is not UTF-8 text: in Excel use "Save as" › "CSV UTF-8 (comma delimited)" or "Excel Workbook (.xlsx)"; in LibreOffice choose the character set Unicode (UTF-8)' };
  }
  const out: SheetRecord[] = [];
  // The header and the data rows, broken ones included: one more and reading stops.
  const keep = (record: SheetRecord) => {
    if (out.length > SHEET_LIMITS.maxRows) throw new RowLimitReached();
    out.push(record);
  };
  try {
    parse(text, {
      bom: true,
      delimiter: delimiterOf(text),
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_record: (record: string[]) => {
        keep(record.length > SHEET_LIMITS.maxCellsPerRow ? tooManyCells(record.length) : { kind: 'record', cells: record });
        return null;
      },
      on_skip: (error) => {
        if (!error) return;
        const line = (error as { lines?: number }).lines;
        const last = out.at(-1);
        // The parser can trip more than once on one broken row: one bad row, its first reason.
        if (last?.kind === 'error' && last.line === line) return;
        keep({ kind: 'error', line, message: error.message.slice(0, 200) });
      },
    });
  } catch (error) {
    if (error instanceof RowLimitReached) return { unreadable: TOO_MANY_ROWS };
    out.push({ kind: 'error', message: (error as Error).message.slice(0, 200) });
  }
  return { records: out };
}

/** A cell's text as a reason quotes it: at most SHEET_LIMITS.maxQuoted characters. */
function quote(text: string): string {
  return text.length > SHEET_LIMITS.maxQuoted ? `${text.slice(0, SHEET_LIMITS.maxQuoted)}…` : text;
}

/**
 * Reads an uploaded spreadsheet (from `readCsv` or `readXlsx`) against the current entries and
 * says what it would change, which rows are bad and why. Changes nothing. Rows for an entry and
 * language that are left out, or whose text is the same as now, leave that language as it is.
 * Cells lose the quote the export's formula guard put in front.
 */
export function planImport(sheet: SheetRead, current: ReadonlyMap<string, KnowledgeEntry>): ImportPlan {
  const bad: BadRow[] = [];
  let badRows = 0;
  const refuse = (row: BadRow) => {
    badRows += 1;
    if (bad.length < SHEET_LIMITS.maxListed) bad.push(row);
  };
  const changes: RowChange[] = [];
  const edited = new Map<string, KnowledgeEntry>();
  const whole = (reason: string): ImportPlan => ({ rows: 0, bad: [{ row: 1, reason }], badRows: 1, changes, edited });
  if ('unreadable' in sheet) return whole(sheet.unreadable);
  const records = sheet.records.map((r): SheetRecord => (r.kind === 'record' ? { kind: 'record', cells: r.cells.map(unguardCell) } : r));
  const header = records[0];
  if (header?.kind !== 'record') return whole(header ? `CSV syntax: ${header.message}` : 'the file is empty: the first row must name the columns');
  const index = new Map(header.cells.map((name, i) => [name.trim().toLowerCase(), i]));
  const missing = COLUMNS.filter((c) => !index.has(c) && !OPTIONAL_COLUMNS.has(c));
  if (missing.length > 0) return whole(`missing columns: ${missing.join(', ')} (the first row must name the columns ${COLUMNS.join(', ')})`);

  const seen = new Map<string, number>();
  /** The referral flag the first row of each entry gave, and that row's number: all its rows must agree. */
  const referralOf = new Map<string, { value: boolean; row: number }>();
  let rows = 0;
  records.slice(1).forEach((record, i) => {
    const row = i + 2;
    if (record.kind === 'error') {
      rows += 1;
      refuse({ row, reason: `CSV syntax${record.line ? ` (line ${record.line})` : ''}: ${record.message}` });
      return;
    }
    if (record.cells.every((c) => c.trim() === '')) return;
    rows += 1;
    const cell = (name: Column) => (index.has(name) ? record.cells[index.get(name)!] : undefined);
    const id = (cell('id') ?? '').trim();
    const lang = (cell('lang') ?? '').trim();
    const reasons: string[] = [];
    if (record.cells.length !== header.cells.length) reasons.push(`has ${record.cells.length} cells, the first row has ${header.cells.length}`);
    const entry = current.get(id);
    if (!entry) reasons.push(id ? `unknown id "${quote(id)}"` : 'the id is empty');
    if (!isLang(lang)) reasons.push(lang ? `unknown language code "${quote(lang)}" (expected one of ${LANGUAGES.join(', ')})` : 'the language code is empty');
    const key = `${id}\u0000${lang}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) reasons.push(`duplicate: row ${earlier} is also ${quote(id)} ${quote(lang)}`);
    else seen.set(key, row);
    const status = (cell('status') ?? '').trim();
    if (status !== 'reviewed' && status !== 'machine') reasons.push(`status must be reviewed or machine, not "${quote(status)}"`);
    const question = normaliseQuestion(cell('question') ?? '');
    if (!question) reasons.push('the question is empty');
    const variants = normaliseVariants(cell('variants') ?? '');
    if (variants.length === 0) reasons.push('there are no variants (at least one, one per line)');
    const answerCell = cell('answer') ?? '';
    if (!answerCell.trim()) reasons.push('the answer is empty');
    const romanisedCell = cell('romanised');
    const romanised = romanisedCell === undefined ? undefined : normaliseVariants(romanisedCell);
    if (romanised && romanised.length > 0 && isLang(lang) && !romanisable.has(lang)) reasons.push(`romanised spellings are only for ${ROMANISED_LANGUAGES.join(', ')}`);
    const referralCell = cell('referral');
    const referral = referralCell === undefined ? undefined : readReferral(referralCell);
    if (referral === 'invalid') reasons.push(`referral must be "${REFERRAL_YES}" or empty, not "${quote((referralCell ?? '').trim())}"`);
    else if (referral !== undefined && entry) {
      const first = referralOf.get(id);
      if (first && first.value !== referral) reasons.push(`referral is "${referral ? REFERRAL_YES : ''}" here but "${first.value ? REFERRAL_YES : ''}" in row ${first.row}: it is one flag for the whole entry`);
      else if (!first) referralOf.set(id, { value: referral, row });
    }
    if (reasons.length > 0 || !entry || !isLang(lang)) {
      refuse({ row, id: id ? quote(id) : undefined, lang: lang ? quote(lang) : undefined, reason: reasons.join('; ') });
      return;
    }

    const before = edited.get(id) ?? entry;
    const now = before.languages[lang];
    const next: EntryTranslation = { ...now };
    const fields: TranslationField[] = [];
    const referralChanged = typeof referral === 'boolean' && referral !== !!before.referral;
    if (referralChanged) fields.push('referral');
    if (status !== now.status) {
      next.status = status as EntryTranslation['status'];
      fields.push('status');
    }
    if (question !== normaliseQuestion(now.question)) {
      next.question = question;
      fields.push('question');
    }
    if (!sameList(variants, normaliseVariants(now.variants.join('\n')))) {
      next.variants = variants;
      fields.push('variants');
    }
    if (romanised && !sameList(romanised, normaliseVariants((now.romanised ?? []).join('\n')))) {
      if (romanised.length > 0) next.romanised = romanised;
      else delete next.romanised;
      fields.push('romanised');
    }
    const answer = normaliseAnswer(answerCell);
    if (answer !== normaliseAnswer(now.answer)) {
      next.answer = answer;
      fields.push('answer');
    }
    if (fields.length === 0) return;
    const copy = structuredClone(before);
    if (referralChanged) setReferral(copy, referral as boolean);
    copy.languages[lang] = next;
    edited.set(id, copy);
    changes.push({ row, id, lang, fields });
  });
  return { rows, bad, badRows, changes, edited };
}

/** A `referral` cell: yes (or true, x, 1) or empty (or no, false, 0); anything else is refused. */
function readReferral(cell: string): boolean | 'invalid' {
  const value = cell.trim().toLowerCase();
  if (['yes', 'true', 'x', '1', 'да'].includes(value)) return true;
  if (['', 'no', 'false', '0', 'не'].includes(value)) return false;
  return 'invalid';
}

/** Sets or clears an entry's referral flag; a cleared flag leaves no `referral: false` behind. */
export function setReferral(entry: KnowledgeEntry, referral: boolean): void {
  if (referral) entry.referral = true;
  else delete entry.referral;
}
