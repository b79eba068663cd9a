import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Page } from 'playwright-core';
import { readSheet } from 'read-excel-file/node';
import { describe, expect, it } from 'vitest';
import writeExcelFile from 'write-excel-file/node';
import { XLSX_TYPE } from '../../src/admin/spreadsheet-xlsx.js';
import { useBrowser } from '../support/browser.js';
import { STAFF, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };

async function openTransfer(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/admin`);
  await page.getByLabel('E-mail').fill(STAFF.email);
  await page.getByLabel('Password').fill(STAFF.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Import or export the knowledge base as a spreadsheet' }).click();
}

describe('spreadsheet import and export in a real browser', () => {
  it('downloads the spreadsheet, uploads an edited copy, shows the dry run, and applies it', async () => {
    const { url, knowledgeDir } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await openTransfer(page, url);

    const [download] = await Promise.all([page.waitForEvent('download', TIMEOUT), page.getByRole('link', { name: 'Download the spreadsheet (CSV)' }).click()]);
    const exported = await readFile((await download.path())!, 'utf8');
    const rows = parse(exported, { bom: true }) as string[][];
    const newAnswer = 'Отговор от таблицата: разходите се обясняват от консултант.';
    const edited = withAnswer(rows, 'avrr-cost', 'bg', newAnswer);

    await uploadThenApply(page, { name: 'kb.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${stringify(edited)}`, 'utf8') }, path.join(knowledgeDir, 'avrr-cost.yaml'), newAnswer);
    expect(errors).toEqual([]);
  });

  it('downloads the Excel workbook, uploads a copy edited as Excel saves it, shows the dry run, and applies it', async () => {
    const { url, knowledgeDir } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await openTransfer(page, url);

    const [download] = await Promise.all([page.waitForEvent('download', TIMEOUT), page.getByRole('link', { name: 'Download the spreadsheet (Excel, XLSX)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^rahnama-knowledge-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const rows = (await readSheet((await download.path())!, { trim: false })).map((row) => row.map((cell) => (cell === null ? '' : String(cell))));
    const newAnswer = 'پاسخ از اکسل: هزینه‌های سفر را سازمان بین‌المللی مهاجرت می‌پردازد.';
    const edited = withAnswer(rows, 'avrr-cost', 'fa', newAnswer);
    const buffer = await writeExcelFile(edited.map((row) => row.map((value) => ({ value, type: String })))).toBuffer();

    await uploadThenApply(page, { name: 'kb.xlsx', mimeType: XLSX_TYPE, buffer }, path.join(knowledgeDir, 'avrr-cost.yaml'), newAnswer);
    expect(errors).toEqual([]);
  });
});

/** The rows with one language version's answer replaced, found by the header's column names. */
function withAnswer(rows: string[][], id: string, lang: string, answer: string): string[][] {
  const column = rows[0]?.indexOf('answer') ?? -1;
  expect(column).toBeGreaterThan(1);
  return rows.map((r) => (r[0] === id && r[1] === lang ? r.map((cell, i) => (i === column ? answer : cell)) : r));
}

/** Uploads an edited spreadsheet: the dry run changes nothing, applying it writes the new answer. */
async function uploadThenApply(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, entryFile: string, newAnswer: string) {
  await page.getByLabel('Spreadsheet file (XLSX or CSV)').setInputFiles(file);
  await page.getByRole('button', { name: 'Check the import (nothing changes yet)' }).click();
  await page.getByRole('status').filter({ hasText: '1 language version(s) would change.' }).waitFor(TIMEOUT);
  expect(await readFile(entryFile, 'utf8')).not.toContain(newAnswer);
  await page.getByRole('button', { name: 'Apply these 1 change(s)' }).click();
  await page.getByRole('status').filter({ hasText: 'Applied.' }).waitFor(TIMEOUT);
  expect(await readFile(entryFile, 'utf8')).toContain(newAnswer);
}
