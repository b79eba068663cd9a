import { inflateRawSync } from 'node:zlib';
import { zipSync } from 'fflate';
// The readers and writers are imported where used: about 0.1 s of every start-up otherwise, for a console page.
import type { SheetData as ReadSheetData } from 'read-excel-file/node';
import type { SheetData } from 'write-excel-file/node';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { exportRows, SHEET_LIMITS, TOO_MANY_ROWS, tooManyCells, type SheetRead } from './spreadsheet.js';

/**
 * The knowledge base spreadsheet as an Excel workbook (.xlsx), for translators whose Excel
 * loses non-Latin text when it saves CSV. The same rows as the CSV (formula guard included: a
 * cell edited in Excel is read again as typed, so a guarded `=...` stays text), one sheet.
 */

/** The media type of an .xlsx workbook. */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Column widths, in characters: id, lang, status, referral, question, variants, romanised, answer. */
const WIDTHS = [24, 6, 10, 9, 40, 50, 40, 80];

export async function exportXlsx(entries: Iterable<KnowledgeEntry>): Promise<Buffer> {
  const { default: writeExcelFile } = await import('write-excel-file/node');
  const [header = [], ...rows] = exportRows(entries);
  // Every cell is text (type String): Excel must not read "0012" as a number or "=..." as a formula.
  const data: SheetData = [
    header.map((value) => ({ value, type: String, fontWeight: 'bold' as const })),
    ...rows.map((row) => row.map((value) => ({ value, type: String, wrap: true, alignVertical: 'top' as const }))),
  ];
  return writeExcelFile(data, { sheet: 'knowledge', columns: WIDTHS.map((width) => ({ width })), stickyRowsCount: 1 }).toBuffer();
}

/** What the file's first bytes say it is. */
export function workbookKind(data: Buffer, filename = ''): 'xlsx' | 'xls' | 'text' {
  const name = filename.toLowerCase();
  // A zip archive (PK\x03\x04), as every .xlsx is; or a file named so.
  if (data.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) || name.endsWith('.xlsx')) return 'xlsx';
  // An OLE compound file: Excel 97-2003 (.xls).
  if (data.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0])) || name.endsWith('.xls')) return 'xls';
  return 'text';
}

const SAVE_AS = 'in Excel use "Save as" › "Excel Workbook (.xlsx)" or "CSV UTF-8 (comma delimited)"';

/** The most an uploaded workbook may hold unpacked (a 5 MB upload of a "zip bomb" could fill gigabytes). */
const MAX_UNPACKED = 32 * 1024 * 1024;
/** Files in the archive: Excel writes about ten, a workbook with pictures a few dozen. */
const MAX_ENTRIES = 1000;

/**
 * A workbook read (SheetRead), or refused as a hostile archive: one no spreadsheet program
 * writes (a file named `__proto__`, a path out of the archive, thousands of files). The
 * console answers a refusal with a coded 400, not a report.
 */
export type WorkbookRead = SheetRead | { readonly refused: string };

/** The first sheet of an uploaded workbook, every cell as text; or why it cannot be read. */
export async function readXlsx(data: Buffer): Promise<WorkbookRead> {
  const archive = unpack(data);
  if (!('files' in archive)) return archive;
  const reach = sheetReachProblem(archive.files);
  if (reach) return { unreadable: reach };
  const { InvalidInputError, readSheet } = await import('read-excel-file/node');
  let sheet: ReadSheetData;
  try {
    sheet = await readSheet(repack(archive.files), { trim: false });
  } catch (error) {
    if (error instanceof InvalidInputError && error.code === 'NO_DATA') return { unreadable: 'the workbook is empty: the first row must name the columns' };
    const why = error instanceof InvalidInputError ? error.code : error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
    return { unreadable: `the file is not an Excel workbook (.xlsx) that can be read (${why}): ${SAVE_AS}` };
  }
  if (sheet.length > SHEET_LIMITS.maxRows + 1) return { unreadable: TOO_MANY_ROWS };
  return { records: sheet.map((row) => (row.length > SHEET_LIMITS.maxCellsPerRow ? tooManyCells(row.length) : { kind: 'record' as const, cells: row.map(cellText) })) };
}

const ZIP = { end: 0x06054b50, central: 0x02014b50, local: 0x04034b50 } as const;
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);
/** A part of a path in the archive: no control characters, no characters Windows forbids in names. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses in a name
const NAME_PART = /^[^\u0000-\u001f\u007f\\:*?"<>|]+$/;

/** Why no workbook has a file of this name (a key that would reach an object's prototype, a path out of the archive), if so. */
export function hostileEntryName(name: string): string | undefined {
  const parts = name.replace(/\/$/, '').split('/');
  const bad = name.length > 260 || parts.some((part) => !NAME_PART.test(part) || part === '.' || part === '..' || PROTOTYPE_KEYS.has(part));
  return bad ? `the archive holds a file named ${JSON.stringify(name.slice(0, SHEET_LIMITS.maxQuoted))}, which no workbook has` : undefined;
}

/** A file of the archive as its central directory lists it, and where its data starts. */
interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly start: number;
}

type Directory = { readonly entries: readonly ZipEntry[] } | { readonly unreadable: string } | { readonly refused: string };

const notReadable = (broken: string) => ({ unreadable: `the file is not an Excel workbook (.xlsx) that can be read (${broken}): ${SAVE_AS}` });
const TOO_LARGE = { unreadable: `the workbook is larger than ${MAX_UNPACKED / 1024 / 1024} MB unpacked: export the knowledge base again and edit that file` };

/**
 * The archive's central directory: every file's name, method and sizes, checked before a byte
 * is inflated (a hostile name or count is refused here). Reads only the directory and the local
 * headers, so it is quick whatever the archive holds.
 */
function readDirectory(data: Buffer): Directory {
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || end + 22 > data.length || data.readUInt32LE(end) !== ZIP.end) {
    return notReadable(data.length >= 4 && data.readUInt32LE(0) === ZIP.local ? 'the zip archive is cut short or damaged' : 'not a zip archive');
  }
  const damaged = notReadable('the zip archive is damaged or uses a feature Excel does not');
  const count = data.readUInt16LE(end + 10);
  if (count > MAX_ENTRIES) return { refused: `the archive holds ${count} files; a workbook has at most ${MAX_ENTRIES}` };
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = data.readUInt32LE(end + 16);
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== ZIP.central) return damaged;
    const method = data.readUInt16LE(at + 10);
    const compressedSize = data.readUInt32LE(at + 20);
    const size = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    if (at + 46 + nameLength > data.length) return damaged;
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    const hostile = hostileEntryName(name);
    if (hostile) return { refused: hostile };
    if (names.has(name)) return { refused: `the archive holds two files named ${JSON.stringify(name.slice(0, SHEET_LIMITS.maxQuoted))}` };
    names.add(name);
    const local = data.readUInt32LE(at + 42);
    at += 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    if (local + 30 > data.length || data.readUInt32LE(local) !== ZIP.local) return damaged;
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    if (start + compressedSize > data.length || (method !== 0 && method !== 8)) return damaged;
    if (!name.endsWith('/')) entries.push({ name, method, compressedSize, size, start });
  }
  return { entries };
}

/** Why an uploaded workbook is refused outright (a hostile archive), if it is: quick, reads only the directory. */
export function hostileArchive(data: Buffer): string | undefined {
  const directory = readDirectory(data);
  return 'refused' in directory ? directory.refused : undefined;
}

type Unpacked = { readonly files: ReadonlyMap<string, Uint8Array> } | { readonly unreadable: string } | { readonly refused: string };

/**
 * The archive's files, each inflated with a cap on the total: the reader is later given only
 * these, packed again, so it unpacks only what was measured here. An archive that cannot be
 * read here is refused, never handed to the reader as it is. Names are keys of a Map, never
 * of a plain object.
 */
function unpack(data: Buffer): Unpacked {
  const directory = readDirectory(data);
  if (!('entries' in directory)) return directory;
  // What the archive says it unpacks to; the inflating below holds it to the cap whatever it says.
  if (directory.entries.reduce((sum, e) => sum + e.size, 0) > MAX_UNPACKED) return TOO_LARGE;
  const files = new Map<string, Uint8Array>();
  let total = 0;
  for (const { name, method, compressedSize, start } of directory.entries) {
    const body = data.subarray(start, start + compressedSize);
    let content: Buffer;
    try {
      content = method === 0 ? body : inflateRawSync(body, { maxOutputLength: MAX_UNPACKED - total + 1 });
    } catch (error) {
      return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? TOO_LARGE : notReadable('the zip archive is damaged or uses a feature Excel does not');
    }
    total += content.length;
    if (total > MAX_UNPACKED) return TOO_LARGE;
    files.set(name, content);
  }
  return { files };
}

/** The files packed again without compression, for the reader (from an object without a prototype). */
function repack(files: ReadonlyMap<string, Uint8Array>): Buffer {
  const zippable: Record<string, Uint8Array> = Object.create(null) as Record<string, Uint8Array>;
  for (const [name, content] of files) zippable[name] = content;
  return Buffer.from(zipSync(zippable, { level: 0 }));
}

/** Cell and row references (`r="XFD1048576"`, `<row r="20001">`) in a sheet's XML. */
const REFERENCE = /<(?:c|row)\s[^>]*?\br="([A-Z]{0,3})(\d{1,7})"/g;

/**
 * Why a sheet reaches too far, if it does: the reader makes a full grid up to the last cell, so
 * one cell at XFD1048576 would fill memory. Read from the XML before the reader runs.
 */
function sheetReachProblem(files: ReadonlyMap<string, Uint8Array>): string | undefined {
  const decoder = new TextDecoder();
  for (const [name, content] of files) {
    if (!/^xl\/worksheets\/[^/]+\.xml$/.test(name)) continue;
    for (const [, column = '', row = '0'] of decoder.decode(content).matchAll(REFERENCE)) {
      if (Number(row) > SHEET_LIMITS.maxRows + 1) return TOO_MANY_ROWS;
      const columnNumber = [...column].reduce((n, letter) => n * 26 + letter.charCodeAt(0) - 64, 0);
      if (columnNumber > SHEET_LIMITS.maxCellsPerRow) return `the sheet has a cell in column ${column}; a row has at most ${SHEET_LIMITS.maxCellsPerRow} cells: export the knowledge base again and edit that file`;
    }
  }
  return undefined;
}

/** A cell as text: Excel may have made a number, a date or a truth value of what was typed. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value);
}

/** The reason an old binary workbook is refused. */
export const XLS_REFUSED = `the file is an old Excel 97-2003 workbook (.xls), which cannot be read: ${SAVE_AS}`;
