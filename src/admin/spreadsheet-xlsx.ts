import { inflateRawSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { InvalidInputError, readSheet, type SheetData as ReadSheetData } from 'read-excel-file/node';
import writeExcelFile, { type SheetData } from 'write-excel-file/node';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { exportRows, type SheetRead } from './spreadsheet.js';

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

/** The first sheet of an uploaded workbook, every cell as text; or why it cannot be read. */
export async function readXlsx(data: Buffer): Promise<SheetRead> {
  const unpacked = repack(data);
  if (unpacked === 'too-large') return { unreadable: `the workbook is larger than ${MAX_UNPACKED / 1024 / 1024} MB unpacked: export the knowledge base again and edit that file` };
  if (!Buffer.isBuffer(unpacked)) return { unreadable: `the file is not an Excel workbook (.xlsx) that can be read (${unpacked.broken}): ${SAVE_AS}` };
  let sheet: ReadSheetData;
  try {
    sheet = await readSheet(unpacked, { trim: false });
  } catch (error) {
    if (error instanceof InvalidInputError && error.code === 'NO_DATA') return { unreadable: 'the workbook is empty: the first row must name the columns' };
    const why = error instanceof InvalidInputError ? error.code : error instanceof Error ? error.message : String(error);
    return { unreadable: `the file is not an Excel workbook (.xlsx) that can be read (${why}): ${SAVE_AS}` };
  }
  return { records: sheet.map((row) => ({ kind: 'record' as const, cells: row.map(cellText) })) };
}

const ZIP = { end: 0x06054b50, central: 0x02014b50, local: 0x04034b50 } as const;

/**
 * The archive's files, each inflated with a cap on the total, packed again without compression:
 * the reader is given only this, so it unpacks only what was measured here. An archive that
 * cannot be read here is refused, never handed to the reader as it is.
 */
function repack(data: Buffer): Buffer | 'too-large' | { broken: string } {
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || end + 22 > data.length || data.readUInt32LE(end) !== ZIP.end) {
    return { broken: data.length >= 4 && data.readUInt32LE(0) === ZIP.local ? 'the zip archive is cut short or damaged' : 'not a zip archive' };
  }
  const damaged = { broken: 'the zip archive is damaged or uses a feature Excel does not' };
  const files: Record<string, Uint8Array> = {};
  let total = 0;
  let at = data.readUInt32LE(end + 16);
  for (let i = data.readUInt16LE(end + 10); i > 0; i -= 1) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== ZIP.central) return damaged;
    const method = data.readUInt16LE(at + 10);
    const size = data.readUInt32LE(at + 20);
    const nameLength = data.readUInt16LE(at + 28);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    const local = data.readUInt32LE(at + 42);
    at += 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    if (local + 30 > data.length || data.readUInt32LE(local) !== ZIP.local) return damaged;
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    if (start + size > data.length) return damaged;
    const body = data.subarray(start, start + size);
    if (name.endsWith('/')) continue;
    let content: Buffer;
    try {
      if (method === 0) content = body;
      else if (method === 8) content = inflateRawSync(body, { maxOutputLength: MAX_UNPACKED - total + 1 });
      else return damaged;
    } catch (error) {
      return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : damaged;
    }
    total += content.length;
    if (total > MAX_UNPACKED) return 'too-large';
    files[name] = content;
  }
  return Buffer.from(zipSync(files, { level: 0 }));
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
