import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { AuditLog } from '../../src/admin/audit-log.js';
import type { StoredKnowledgeFiles } from '../../src/knowledge/knowledge-files.js';
import { KNOWLEDGE_TOPIC, KnowledgeSync, type SyncLog } from '../../src/knowledge/knowledge-sync.js';
import { readKnowledgeSources, type KnowledgeSource } from '../../src/knowledge/load.js';
import { openPublishedKnowledge } from '../../src/knowledge/published-knowledge.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { testConfig } from '../support/engine.js';
import { KNOWLEDGE_DIR, ROOT } from '../support/paths.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';
import { unreferencedEntry } from './small-knowledge.js';

const tempDir = useTempDir();

const opened: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** A store on the database at `url` (an instance of the server), closed after the test. */
async function openStoreOn(url: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(url);
  opened.push(store);
  return store;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end in the project folder, with `env` over this process's environment. */
function run(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What `npm run kb:import|kb:export -- DIR` runs, without npm's own start-up. */
const kbTransfer = (command: 'import' | 'export', dir: string, databaseUrl: string) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/kb-transfer.ts', command, dir], { DATABASE_URL: databaseUrl });

/** A fresh database holding the shipped knowledge base, as the first server start leaves it. */
async function publishedDatabase(): Promise<{ url: string; store: PostgresStore; files: StoredKnowledgeFiles }> {
  const url = await usePostgresDatabase();
  const store = await openStoreOn(url);
  const { files, seeded } = await openPublishedKnowledge(testConfig(), store);
  expect(seeded).toBe(true);
  return { url, store, files: files as StoredKnowledgeFiles };
}

/** A copy of the shipped knowledge folder (README.md included) to edit. */
async function copyOfKnowledge(): Promise<string> {
  const dir = path.join(await tempDir(), 'knowledge');
  await cp(KNOWLEDGE_DIR, dir, { recursive: true });
  return dir;
}

const byName = (sources: KnowledgeSource[]) => sources.sort((a, b) => (a.file < b.file ? -1 : 1));

/** Every file under `dir`, relative, in name order. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

/** Replaces `from` (which must occur exactly once) in a file of `dir`. */
async function editText(dir: string, file: string, from: string, to: string): Promise<string> {
  const text = await readFile(path.join(dir, file), 'utf8');
  expect(text.split(from)).toHaveLength(2);
  const edited = text.replace(from, to);
  await writeFile(path.join(dir, file), edited);
  return edited;
}

/** Records the messages on the knowledge topic that reach another instance. */
async function listenForAnnouncements(url: string): Promise<string[]> {
  const messages: string[] = [];
  await (await openStoreOn(url)).broadcast.subscribe(KNOWLEDGE_TOPIC, (message) => messages.push(message));
  return messages;
}

/** The first line of avrr-cost's English answer as shipped, which the tests change. */
const COST_ANSWER_START = (parse(readFileSync(path.join(KNOWLEDGE_DIR, 'avrr-cost.yaml'), 'utf8')) as KnowledgeEntry).languages.en.answer.split('\n')[0]!;
const IMPORTED_ANSWER_START = `Imported from the folder: ${COST_ANSWER_START}`;
const POLL = { timeout: 15_000 };

describe('npm run kb:import / kb:export', () => {
  it('refuses without DATABASE_URL (exit 2), saying that the folder itself is what is published', async () => {
    const dir = await tempDir();
    for (const script of ['kb:import', 'kb:export']) {
      const result = await run('npm', ['run', '--silent', script, '--', dir], { DATABASE_URL: '' });
      expect(result.code, script).toBe(2);
      expect(result.stderr, script).toContain(`rahnama: ${script} moves the knowledge base between the folder and the database, and DATABASE_URL is not set`);
      expect(result.stderr, script).toContain('without a database the folder itself is what the server publishes');
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('imports nothing from an invalid folder (exit 1), naming the file and field, and announces nothing', async () => {
    const { url, store, files } = await publishedDatabase();
    const announcements = await listenForAnnouncements(url);
    const dir = await copyOfKnowledge();
    const unlinked = await unreferencedEntry(dir);
    const broken = parse(await readFile(path.join(dir, 'avrr-cost.yaml'), 'utf8')) as KnowledgeEntry;
    broken.languages.en.answer = IMPORTED_ANSWER_START;
    delete (broken.languages.fa as Partial<KnowledgeEntry['languages']['fa']>).answer;
    await writeFile(path.join(dir, 'avrr-cost.yaml'), stringify(broken));
    await rm(path.join(dir, `${unlinked}.yaml`));

    const result = await kbTransfer('import', dir, url);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`nothing imported: 1 problem(s) in ${dir}:`);
    expect(result.stderr).toContain('avrr-cost.yaml › languages.fa.answer: is missing');

    expect(await files.list()).toEqual(byName(await readKnowledgeSources(KNOWLEDGE_DIR)));
    const audit = new AuditLog(store);
    expect(await audit.historyOf('avrr-cost.yaml')).toEqual([]);
    expect(await audit.historyOf(`${unlinked}.yaml`)).toEqual([]);
    // A message after the run's end arrives after any the run sent: it is the only one.
    await store.broadcast.publish(KNOWLEDGE_TOPIC, 'after the import');
    await expect.poll(() => announcements, POLL).toContain('after the import');
    expect(announcements).toEqual(['after the import']);
  });

  it('imports nothing from a folder with raw HTML in an answer or a review date that is no day, naming file, field and problem', async () => {
    const { url, files } = await publishedDatabase();
    const dir = await copyOfKnowledge();
    const entry = parse(await readFile(path.join(dir, 'avrr-cost.yaml'), 'utf8')) as KnowledgeEntry;
    entry.languages.ar.answer = `<img src="https://tracker.example/p.gif">\n${entry.languages.ar.answer}`;
    entry.reviewed = '9999-99-99';
    await writeFile(path.join(dir, 'avrr-cost.yaml'), stringify(entry));

    const result = await kbTransfer('import', dir, url);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`nothing imported: 2 problem(s) in ${dir}:`);
    expect(result.stderr).toContain('avrr-cost.yaml › reviewed: "9999-99-99" is not a day of the calendar (YYYY-MM-DD)');
    expect(result.stderr).toContain('avrr-cost.yaml › languages.ar.answer: contains raw HTML (<img src="https://tracker.example/p.gif">)');
    expect(await files.list()).toEqual(byName(await readKnowledgeSources(KNOWLEDGE_DIR)));
  });

  it('publishes exactly what changed in a valid folder, records it in the audit log and puts it into service on running instances', async () => {
    const { url, store, files } = await publishedDatabase();
    const shipped = byName(await readKnowledgeSources(KNOWLEDGE_DIR));
    const announcements = await listenForAnnouncements(url);
    // A running instance on another connection, as main.ts starts one.
    const instanceStore = await openStoreOn(url);
    const instance = await openPublishedKnowledge(testConfig(), instanceStore);
    const { engine, knowledge } = await loadAnswerEngine(testConfig(), instance.sources);
    const calls: { level: string; msg: string }[] = [];
    const log: SyncLog = { info: (_, msg) => calls.push({ level: 'info', msg }), error: (_, msg) => calls.push({ level: 'error', msg }) };
    await new KnowledgeSync(instanceStore, instance.files, knowledge, log, instance.sources).start();

    const dir = await copyOfKnowledge();
    const changed = await editText(dir, 'avrr-cost.yaml', COST_ANSWER_START, IMPORTED_ANSWER_START);
    // An entry nothing links to is renamed: one file deleted, one created.
    const old = await unreferencedEntry(dir);
    const renamed = `renamed-${old}`;
    const added = (await readFile(path.join(dir, `${old}.yaml`), 'utf8')).replace(`id: ${old}\n`, `id: ${renamed}\n`);
    await writeFile(path.join(dir, `${renamed}.yaml`), added);
    await rm(path.join(dir, `${old}.yaml`));

    const result = await kbTransfer('import', dir, url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(`imported from ${dir}: 2 file(s) published, 1 deleted, ${shipped.length - 2} unchanged`);

    expect(await files.list()).toEqual(byName(await readKnowledgeSources(dir)));
    const audit = new AuditLog(store);
    const original = (file: string) => shipped.find((s) => s.file === file)!.text;
    expect(await audit.historyOf('avrr-cost.yaml')).toEqual([
      { at: expect.any(String), who: 'kb:import', action: 'publish', file: 'avrr-cost.yaml', before: original('avrr-cost.yaml'), after: changed },
    ]);
    expect(await audit.historyOf(`${renamed}.yaml`)).toEqual([{ at: expect.any(String), who: 'kb:import', action: 'create', file: `${renamed}.yaml`, before: '', after: added }]);
    expect(await audit.historyOf(`${old}.yaml`)).toEqual([{ at: expect.any(String), who: 'kb:import', action: 'delete', file: `${old}.yaml`, before: original(`${old}.yaml`), after: '' }]);
    for (const { file } of shipped.filter((s) => !['avrr-cost.yaml', `${old}.yaml`].includes(s.file))) {
      expect(await audit.historyOf(file), file).toEqual([]);
    }

    await expect.poll(() => announcements.length, POLL).toBe(1);
    expect(JSON.parse(announcements[0]!)).toEqual({ origin: 'kb:import', files: ['avrr-cost.yaml', `${renamed}.yaml`, `${old}.yaml`] });
    await expect.poll(() => knowledge.entries.has(renamed), POLL).toBe(true);
    await expect.poll(() => knowledge.entries.has(old), POLL).toBe(false);
    await expect.poll(() => knowledge.entries.get('avrr-cost')?.languages.en.answer, POLL).toContain(IMPORTED_ANSWER_START);
    expect((await engine.ask({ text: 'Does voluntary return cost me anything?', lang: 'en' })).answer).toContain(IMPORTED_ANSWER_START);
    expect(calls.filter((c) => c.level === 'error')).toEqual([]);
  });

  it('publishes the glossary and out-of-scope examples with the entries; imports a folder that has only warnings, and nothing from one whose entry uses a term the glossary forbids', async () => {
    const { url, files } = await publishedDatabase();
    for (const file of ['glossary.yaml', 'out-of-scope.yaml', 'contacts.yaml']) {
      expect(await files.read(file), file).toBe(await readFile(path.join(KNOWLEDGE_DIR, file), 'utf8'));
    }
    const dir = await copyOfKnowledge();
    const cost = parse(await readFile(path.join(dir, 'avrr-cost.yaml'), 'utf8')) as KnowledgeEntry;
    // Only a warning: Farsi without romanised spellings.
    delete cost.languages.fa.romanised;
    await writeFile(path.join(dir, 'avrr-cost.yaml'), stringify(cost));
    const warned = await kbTransfer('import', dir, url);
    expect(warned).toMatchObject({ code: 0, stderr: '' });
    expect(await files.read('avrr-cost.yaml')).toBe(stringify(cost));

    // A problem: the French name the glossary forbids for the State Agency for Refugees.
    cost.languages.fr.answer += "\nL'Agence nationale pour les réfugiés ne décide pas du retour.\n";
    await writeFile(path.join(dir, 'avrr-cost.yaml'), stringify(cost));
    const refused = await kbTransfer('import', dir, url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`avrr-cost.yaml › languages.fr.answer: uses "Agence nationale…", which the glossary forbids for "state-agency-for-refugees": use "Agence d'État pour les réfugiés"`);
    expect(await files.read('avrr-cost.yaml')).not.toContain('Agence nationale');
  });

  it('exports the published knowledge base into an empty folder, byte for byte', async () => {
    const { url, files } = await publishedDatabase();
    // The database's version differs from the shipped folder, so the export can only have come from it.
    const before = await files.read('avrr-cost.yaml');
    expect(await files.replace([{ file: 'avrr-cost.yaml', before, after: before.replace(COST_ANSWER_START, IMPORTED_ANSWER_START) }])).toEqual([]);
    const published = await files.list();
    const dir = await tempDir();

    const result = await kbTransfer('export', dir, url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(`exported to ${dir}: ${published.length} file(s) written, 0 deleted, 0 unchanged`);
    expect(await filesUnder(dir)).toEqual(published.map((s) => s.file));
    for (const { file, text } of published) {
      expect((await readFile(path.join(dir, file))).equals(Buffer.from(text, 'utf8')), file).toBe(true);
    }
  });

  it('makes npm run ask answer from the published version in the database, not the folder', async () => {
    const { url, files } = await publishedDatabase();
    const before = await files.read('avrr-cost.yaml');
    expect(await files.replace([{ file: 'avrr-cost.yaml', before, after: before.replace(COST_ANSWER_START, IMPORTED_ANSWER_START) }])).toEqual([]);
    const asked = await run(process.execPath, ['--import', 'tsx', 'src/cli/ask.ts', 'Does voluntary return cost me anything?', '--lang', 'en'], { DATABASE_URL: url, EMBEDDINGS: 'false' });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain(IMPORTED_ANSWER_START);
  });

  it('brings a folder back to the published version: deletes a knowledge file the database lacks, rewrites changed ones, reports the counts', async () => {
    const { url, files } = await publishedDatabase();
    const before = await files.read('avrr-cost.yaml');
    expect(await files.replace([{ file: 'avrr-cost.yaml', before, after: before.replace(COST_ANSWER_START, IMPORTED_ANSWER_START) }])).toEqual([]);
    const published = await files.list();

    const dir = await copyOfKnowledge();
    await writeFile(path.join(dir, 'stale-entry.yaml'), (await readFile(path.join(dir, 'about-iom.yaml'), 'utf8')).replace('id: about-iom\n', 'id: stale-entry\n'));
    await editText(dir, 'avrr-timeline.yaml', 'id: avrr-timeline\n', 'id: avrr-timeline\n# a local edit\n');
    const readme = await readFile(path.join(dir, 'README.md'), 'utf8');

    const result = await kbTransfer('export', dir, url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(`exported to ${dir}: 2 file(s) written, 1 deleted, ${published.length - 2} unchanged`);
    expect(byName(await readKnowledgeSources(dir))).toEqual(published);
    // Files that are not knowledge files stay.
    expect(await filesUnder(dir)).toEqual(['README.md', ...published.map((s) => s.file)].sort());
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toBe(readme);

    // Exported again, nothing changes.
    expect((await kbTransfer('export', dir, url)).stdout.trim()).toBe(`exported to ${dir}: 0 file(s) written, 0 deleted, ${published.length} unchanged`);
  });
});
