// lane: integration
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkUpload, checkUploadInWorker, entriesOf } from '../../src/admin/import-check.js';
import { COLUMNS, exportCsv, planImport, readCsv, SHEET_LIMITS, TOO_MANY_ROWS } from '../../src/admin/spreadsheet.js';
import { exportXlsx, hostileArchive, readXlsx } from '../../src/admin/spreadsheet-xlsx.js';
import { isEntryFile, loadKnowledgeBase, readKnowledgeSources } from '../../src/knowledge/load.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';

const HEADER = `${COLUMNS.join(',')}\n`;
const shipped = async (): Promise<ReadonlyMap<string, KnowledgeEntry>> => (await loadKnowledgeBase(KNOWLEDGE_DIR)).entries;
/** The shipped entries' files as text, by id: what the worker is given. */
const shippedTexts = async () => new Map((await readKnowledgeSources(KNOWLEDGE_DIR)).filter((s) => isEntryFile(s.file)).map((s) => [s.file.replace(/\.yaml$/, ''), s.text]));
/** A CSV of `count` rows naming an entry that does not exist: every one of them bad. */
const badRows = (count: number, id = 'no-such-entry') => HEADER + `${id},en,machine,,q,v,,a\n`.repeat(count);
/** A 5 MB CSV of bad rows, just under the row limit. */
const fiveMegabytesOfBadRows = () => HEADER + `no-such-entry,xx,draft,maybe,${'q'.repeat(100)},${'v'.repeat(80)},,${'a'.repeat(60)}\n`.repeat(19_000);

/**
 * The exported workbook with one more file in its archive, named `name`: written under a
 * placeholder of the same length, then renamed in the bytes (a zip library would not write
 * `__proto__` as a name, nor `../x`).
 */
async function workbookWithFile(name: string): Promise<Buffer> {
  const files = unzipSync(await exportXlsx((await shipped()).values()));
  const placeholder = 'Q'.repeat(Buffer.byteLength(name));
  files[placeholder] = strToU8('<x/>');
  const zip = Buffer.from(zipSync(files));
  let at = zip.indexOf(placeholder);
  for (; at >= 0; at = zip.indexOf(placeholder, at + 1)) zip.write(name, at);
  return zip;
}

describe('the limits of an uploaded spreadsheet', () => {
  it(`reads at most ${SHEET_LIMITS.maxRows} rows of a CSV, and refuses a longer one as a whole`, () => {
    const atLimit = readCsv(badRows(SHEET_LIMITS.maxRows));
    expect('records' in atLimit && atLimit.records.length).toBe(SHEET_LIMITS.maxRows + 1);
    expect(readCsv(badRows(SHEET_LIMITS.maxRows + 1))).toEqual({ unreadable: TOO_MANY_ROWS });
    // Broken rows count too: 2.6 million one-cell lines are refused, not read to the end.
    expect(readCsv(HEADER + 'x"y\n'.repeat(SHEET_LIMITS.maxRows + 5))).toEqual({ unreadable: TOO_MANY_ROWS });
    expect(readCsv(HEADER + 'x\n'.repeat(2_600_000))).toEqual({ unreadable: TOO_MANY_ROWS });
  });

  it(`lists the first ${SHEET_LIMITS.maxListed} bad rows of a 5 MB bad CSV and counts all of them`, async () => {
    const csv = fiveMegabytesOfBadRows();
    expect(csv.length).toBeGreaterThan(5_000_000);
    const plan = planImport(readCsv(csv), await shipped());
    expect(plan.rows).toBe(19_000);
    expect(plan.badRows).toBe(19_000);
    expect(plan.bad).toHaveLength(SHEET_LIMITS.maxListed);
    expect(plan.bad.map((b) => b.row)).toEqual(Array.from({ length: SHEET_LIMITS.maxListed }, (_, i) => i + 2));
    expect(plan.changes).toEqual([]);
  });

  it('quotes at most 60 characters of a cell in a reason, however long the cell', async () => {
    const plan = planImport(readCsv(badRows(3, 'x'.repeat(1_000_000))), await shipped());
    expect(plan.badRows).toBe(3);
    for (const bad of plan.bad) {
      expect(bad.id).toBe(`${'x'.repeat(SHEET_LIMITS.maxQuoted)}…`);
      expect(bad.reason.length).toBeLessThan(300);
    }
  });

  it(`refuses a row of more than ${SHEET_LIMITS.maxCellsPerRow} cells without keeping its cells`, async () => {
    const wide = `avrr-cost,en,machine,,q,v,,a${','.repeat(100_000)}\n`;
    const sheet = readCsv(HEADER + wide);
    expect('records' in sheet && sheet.records[1]).toEqual({ kind: 'error', message: `has 100008 cells; a row has at most ${SHEET_LIMITS.maxCellsPerRow}` });
    const plan = planImport(sheet, await shipped());
    expect(plan.bad).toEqual([{ row: 2, reason: `CSV syntax: has 100008 cells; a row has at most ${SHEET_LIMITS.maxCellsPerRow}` }]);
  });
});

describe('a hostile workbook archive', () => {
  it('refuses a file named __proto__, a path out of the archive and other names no workbook has, leaving every prototype as it was', async () => {
    const prototypes = () => [Object.prototype, Array.prototype, Uint8Array.prototype, Buffer.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
    const before = prototypes();
    for (const name of ['__proto__', 'xl/__proto__', 'constructor', 'xl/prototype/x.xml', '../../etc/passwd', '/etc/passwd', 'xl/./x.xml', 'xl\\x.xml', 'xl/x\u0000.xml', 'xl//x.xml']) {
      const zip = await workbookWithFile(name);
      const reason = `the archive holds a file named ${JSON.stringify(name)}, which no workbook has`;
      expect(hostileArchive(zip), name).toBe(reason);
      expect(await readXlsx(zip), name).toEqual({ refused: reason });
    }
    expect(prototypes()).toEqual(before);
  });

  it('refuses an archive of more than 1,000 files, or one naming a file twice', async () => {
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`xl/media/image${i}.png`, new Uint8Array(1)]));
    expect(hostileArchive(Buffer.from(zipSync(many)))).toBe('the archive holds 1001 files; a workbook has at most 1000');
    const twice = Buffer.from(zipSync({ 'xl/a.xml': strToU8('<a/>'), 'xl/b.xml': strToU8('<b/>') }));
    // Renamed in its local header and in the central directory: two files of one name.
    for (let at = twice.indexOf('xl/b.xml'); at >= 0; at = twice.indexOf('xl/b.xml', at + 1)) twice.write('xl/a.xml', at);
    expect(hostileArchive(twice)).toBe('the archive holds two files named "xl/a.xml"');
  });

  it('reads the names of a real workbook as harmless', async () => {
    expect(hostileArchive(await exportXlsx((await shipped()).values()))).toBeUndefined();
  });

  it('refuses a sheet whose last cell lies beyond the row or column limit before the reader makes a grid of it', async () => {
    const files = unzipSync(await exportXlsx((await shipped()).values()));
    const sheet = new TextDecoder().decode(files['xl/worksheets/sheet1.xml']);
    const far = (ref: string) => strToU8(sheet.replace('</sheetData>', `<row r="${ref.replace(/^[A-Z]+/, '')}"><c r="${ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>`));
    expect(await readXlsx(Buffer.from(zipSync({ ...files, 'xl/worksheets/sheet1.xml': far('XFD1048576') })))).toEqual({ unreadable: TOO_MANY_ROWS });
    expect(await readXlsx(Buffer.from(zipSync({ ...files, 'xl/worksheets/sheet1.xml': far('XFD1') })))).toEqual({
      unreadable: `the sheet has a cell in column XFD; a row has at most ${SHEET_LIMITS.maxCellsPerRow} cells: export the knowledge base again and edit that file`,
    });
  });

  it('refuses an archive that says it unpacks to more than 32 MB before inflating anything', async () => {
    const zip = Buffer.from(zipSync({ 'xl/a.xml': new Uint8Array(10) }, { level: 0 }));
    // The central directory's uncompressed size of the one file, made to say 40 MB.
    zip.writeUInt32LE(40 * 1024 * 1024, zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    expect(await readXlsx(zip)).toEqual({ unreadable: 'the workbook is larger than 32 MB unpacked: export the knowledge base again and edit that file' });
  });
});

describe('the check in a worker thread', () => {
  it('gives the same plan as the check on the server thread, for the CSV and the workbook', async () => {
    const texts = await shippedTexts();
    const current = entriesOf(texts);
    expect([...current.keys()].sort()).toEqual([...(await shipped()).keys()].sort());
    const edited = [...current.values()].map((e) => structuredClone(e));
    edited.find((e) => e.id === 'avrr-cost')!.languages.fr.answer = 'Une réponse changée.\n';
    for (const upload of [{ filename: 'kb.csv', data: Buffer.from(exportCsv(edited)) }, { filename: 'kb.xlsx', data: await exportXlsx(edited) }]) {
      const inWorker = await checkUploadInWorker(upload, texts);
      expect(inWorker).toEqual(await checkUpload(upload, current));
      expect('plan' in inWorker && inWorker.plan.changes).toEqual([expect.objectContaining({ id: 'avrr-cost', lang: 'fr', fields: ['answer'] })]);
    }
  });

  it('refuses a hostile archive without starting a worker, and reports a check that runs out of time', async () => {
    const current = await shippedTexts();
    const zip = await workbookWithFile('__proto__');
    expect(await checkUploadInWorker({ filename: 'kb.xlsx', data: zip }, current, { timeoutMs: 0 })).toEqual({ refused: 'the archive holds a file named "__proto__", which no workbook has' });
    const slow = await checkUploadInWorker({ filename: 'kb.csv', data: Buffer.from(fiveMegabytesOfBadRows()) }, current, { timeoutMs: 1 });
    expect('plan' in slow && slow.plan.bad).toEqual([{ row: 1, reason: 'checking the file took longer than 1 s: export the knowledge base again and edit that file' }]);
    // The worker stopped for taking too long is not used again: the next check gets an answer.
    const next = await checkUploadInWorker({ filename: 'kb.csv', data: Buffer.from(badRows(1)) }, current);
    expect('plan' in next && next.plan.bad).toEqual([expect.objectContaining({ row: 2, reason: expect.stringContaining('unknown id "no-such-entry"') })]);
  });

  it('plans each check against the entries it is given, when a worker that checked before takes it', async () => {
    const texts = await shippedTexts();
    const edited = structuredClone(entriesOf(texts).get('avrr-cost')!);
    edited.languages.fr.answer = 'Une réponse changée.\n';
    const upload = { filename: 'kb.csv', data: Buffer.from(exportCsv([edited])) };
    const changes = async (entryTexts: ReadonlyMap<string, string>) => {
      const check = await checkUploadInWorker(upload, entryTexts);
      return 'plan' in check ? check.plan.changes.map((c) => `${c.id} ${c.lang} ${c.fields.join(',')}`) : check.refused;
    };
    expect(await changes(texts)).toEqual(['avrr-cost fr answer']);
    // Published in between: the same upload now changes nothing; then the entry is as before again.
    const published = new Map(texts).set('avrr-cost', stringify(edited));
    expect(await changes(published)).toEqual([]);
    expect(await changes(texts)).toEqual(['avrr-cost fr answer']);
  });
});
