import { execFile } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KnowledgeBaseError, loadKnowledgeBase, readKnowledgeSources, validateKnowledge } from '../../src/knowledge/load.js';
import { rawHtmlIn } from '../../src/knowledge/raw-html.js';
import { reviewDateProblem } from '../../src/knowledge/review-date.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { LANGUAGES } from '../../src/languages.js';
import { KNOWLEDGE_DIR, ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const REQUIRED_IDS = [
  'about-iom', 'iom-bulgaria-services', 'avrr-overview', 'avrr-eligibility', 'avrr-rejected-asylum',
  'avrr-pending-asylum', 'avrr-no-documents', 'avrr-cost', 'avrr-how-to-apply', 'avrr-process',
  'avrr-timeline', 'avrr-family', 'avrr-vulnerable', 'avrr-transit', 'avrr-change-mind',
  'avrr-return-to-eu', 'reintegration-support', 'reintegration-business', 'reintegration-medical',
  'reintegration-cash', 'confidentiality', 'stay-legally-options', 'contact-iom', 'emergency-help',
  'trafficking-help', 'bot-privacy',
];

const tempDir = useTempDir();

/** A copy of the shipped knowledge base in a temp folder, to break on purpose. */
async function copyOfKnowledge(): Promise<string> {
  const dir = path.join(await tempDir(), 'knowledge');
  await cp(KNOWLEDGE_DIR, dir, { recursive: true });
  return dir;
}

async function editEntry(dir: string, id: string, edit: (entry: KnowledgeEntry & Record<string, unknown>) => void): Promise<void> {
  const file = path.join(dir, `${id}.yaml`);
  const entry = parse(await readFile(file, 'utf8'));
  edit(entry);
  await writeFile(file, stringify(entry));
}

async function problemsOf(dir: string) {
  return validateKnowledge(await readKnowledgeSources(dir)).problems;
}

describe('the shipped knowledge base', () => {
  it('is valid and has every required entry in all eleven languages', async () => {
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    for (const id of REQUIRED_IDS) expect(kb.entries.has(id), id).toBe(true);
    for (const entry of kb.entries.values()) {
      expect(Object.keys(entry.languages).sort()).toEqual([...LANGUAGES].sort());
    }
  });

  it('marks every translation a person has not reviewed as machine', async () => {
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    for (const entry of kb.entries.values()) {
      for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
        expect(entry.languages[lang].status, `${entry.id}.${lang}`).toBe('machine');
      }
    }
  });

  it('never writes contact details into answers, only placeholders', async () => {
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    for (const entry of kb.entries.values()) {
      for (const lang of LANGUAGES) {
        // A phone number has long digit runs; 112 is the one number answers may state.
        const digits = entry.languages[lang].answer.replace(/\b112\b/g, '').match(/\d[\d\s-]{5,}\d/);
        expect(digits, `${entry.id}.${lang}`).toBeNull();
      }
    }
  });
});

describe('validation of malformed knowledge files', () => {
  it('reports every problem at once, each with file, field and reason', async () => {
    const dir = await copyOfKnowledge();
    await editEntry(dir, 'avrr-cost', (e) => {
      (e.languages as Record<string, unknown>).xx = e.languages.en;
      delete (e.languages.fa as Partial<typeof e.languages.fa>).answer;
      e.languages.ar.variants = [];
      e.related = ['no-such-entry'];
    });
    await editEntry(dir, 'avrr-timeline', (e) => {
      e.id = 'avrr-cost';
    });
    const problems = await problemsOf(dir);
    expect(problems).toEqual(expect.arrayContaining([
      { file: 'avrr-cost.yaml', field: 'languages.xx', message: expect.stringMatching(/unknown language code "xx"/) },
      { file: 'avrr-cost.yaml', field: 'languages.fa.answer', message: 'is missing' },
      { file: 'avrr-cost.yaml', field: 'languages.ar.variants', message: 'must not be empty' },
      { file: 'avrr-timeline.yaml', field: 'id', message: expect.stringMatching(/must equal the file name/) },
      { file: 'avrr-timeline.yaml', field: 'id', message: expect.stringMatching(/duplicate id "avrr-cost" \(also in avrr-cost.yaml\)/) },
    ]));
    // The schema problems keep avrr-cost out, so its dangling `related` is checked once it parses:
    await editEntry(dir, 'avrr-cost', (e) => {
      delete (e.languages as Record<string, unknown>).xx;
      e.languages.fa.answer = 'x';
      e.languages.ar.variants = ['y'];
    });
    expect(await problemsOf(dir)).toContainEqual({ file: 'avrr-cost.yaml', field: 'related[0]', message: 'no entry has the id "no-such-entry"' });
  });

  it('names the line of a YAML syntax error', async () => {
    const dir = await copyOfKnowledge();
    await writeFile(path.join(dir, 'avrr-cost.yaml'), 'id: avrr-cost\ntopic: [unclosed\n');
    const [problem] = (await problemsOf(dir)).filter((p) => p.file === 'avrr-cost.yaml');
    expect(problem?.message).toMatch(/YAML syntax \(line \d+, column \d+\)/);
  });

  it('refuses unknown placeholders, missing contacts and repeated variants', async () => {
    const dir = await copyOfKnowledge();
    await editEntry(dir, 'contact-iom', (e) => {
      e.languages.tr.answer += '\n{{contact.fax}}';
      e.languages.uk.variants.push(e.languages.uk.question.toUpperCase());
    });
    await rm(path.join(dir, 'contacts.yaml'));
    const problems = await problemsOf(dir);
    expect(problems).toEqual(expect.arrayContaining([
      { file: 'contact-iom.yaml', field: 'languages.tr.answer', message: 'unknown placeholder {{contact.fax}}' },
      expect.objectContaining({ file: 'contact-iom.yaml', field: expect.stringMatching(/^languages\.uk\.variants\[\d+\]$/), message: 'repeats the question or another variant' }),
      { file: 'contacts.yaml', message: 'missing: the contact details file is required' },
    ]));
  });

  it('throws an error listing the problems when loading', async () => {
    const dir = await copyOfKnowledge();
    await editEntry(dir, 'about-iom', (e) => {
      e.reviewed = 'last week';
    });
    const error = await loadKnowledgeBase(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KnowledgeBaseError);
    expect((error as KnowledgeBaseError).code).toBe('RAHNAMA_KNOWLEDGE_INVALID');
    expect((error as Error).message).toContain('about-iom.yaml › reviewed: must be a date written YYYY-MM-DD');
  });

  it('makes `npm run kb:check` exit non-zero and print each problem', async () => {
    const dir = await copyOfKnowledge();
    await editEntry(dir, 'avrr-family', (e) => {
      e.languages.ps.answer = '   ';
    });
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/kb-check.ts', dir], { cwd: ROOT });
    const failure = await run.then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('avrr-family.yaml › languages.ps.answer: must not be empty');
  });

  it('refuses raw HTML in answers, guided checks and contact details, naming file, field and the tag, and keeps Markdown', async () => {
    const dir = await copyOfKnowledge();
    await editEntry(dir, 'avrr-cost', (e) => {
      e.languages.en.answer = 'Free of charge.\n<img src="https://tracker.example/pixel.gif?u=1">\n';
      e.languages.fa.answer += '<script>alert(1)</script>';
      e.languages.ar.answer = '<a href="https://evil.example">اضغط هنا</a>';
      e.languages.tr.answer = 'Ücretsiz.<br/>Danışman açıklar.';
      e.languages.uk.answer = 'Безкоштовно.\n<!-- hidden -->';
      // Markdown, its autolinks and a lone angle bracket are not HTML.
      e.languages.bg.answer = '**Безплатно.** See [IOM](https://www.iom.int) or <https://bulgaria.iom.int>, <help@example.org>.\n- age < 18 and > 5\n';
    });
    const flowFile = path.join(dir, 'flows', 'eligibility.yaml');
    const flow = parse(await readFile(flowFile, 'utf8'));
    flow.intro.ru = `${flow.intro.ru} <iframe src="https://evil.example">`;
    await writeFile(flowFile, stringify(flow));
    const contactsFile = path.join(dir, 'contacts.yaml');
    const contacts = parse(await readFile(contactsFile, 'utf8'));
    contacts.contact.hours = '<b>Mon–Fri</b>';
    await writeFile(contactsFile, stringify(contacts));
    const problems = await problemsOf(dir);
    const html = problems.filter((p) => p.message.startsWith('contains raw HTML'));
    expect(html.map((p) => [p.file, p.field, p.message.replace(/\): .*$/s, ')')])).toEqual([
      ['avrr-cost.yaml', 'languages.en.answer', 'contains raw HTML (<img src="https://tracker.example/pixel.gif?u=1">)'],
      ['avrr-cost.yaml', 'languages.ar.answer', 'contains raw HTML (<a href="https://evil.example">)'],
      ['avrr-cost.yaml', 'languages.fa.answer', 'contains raw HTML (<script>)'],
      ['avrr-cost.yaml', 'languages.tr.answer', 'contains raw HTML (<br/>)'],
      ['avrr-cost.yaml', 'languages.uk.answer', 'contains raw HTML (<!-- hidden -->)'],
      ['contacts.yaml', 'contact.hours', 'contains raw HTML (<b>)'],
      ['flows/eligibility.yaml', 'intro.ru', 'contains raw HTML (<iframe src="https://evil.example">)'],
    ]);
    expect(html[0]!.message).toContain('write a link as [text](https://…)');
    expect(problems.filter((p) => p.field === 'languages.bg.answer')).toEqual([]);
  });

  it('finds a tag wherever it starts, and nothing in plain Markdown', () => {
    for (const text of ['<IMG SRC=x>', 'a <svg/onload=alert(1)>', '</a>', 'end <img', '<?xml version="1.0"?>', '<![CDATA[x]]>', '<!DOCTYPE html>', '<style>']) expect(rawHtmlIn(text), text).toBeDefined();
    for (const text of ['<https://iom.int>', '<mailto:a@b.org>', '<help@example.org>', '3 < 4 > 2', '<3', '←<-', 'x<=y', '`code`', '> a quote', '[a](https://x.org)']) expect(rawHtmlIn(text), text).toBeUndefined();
  });

  it('refuses a review date that is not a day of the calendar or is in the future, in an entry and in a guided check', async () => {
    const dir = await copyOfKnowledge();
    const inTwoYears = `${new Date().getUTCFullYear() + 2}-01-01`;
    await editEntry(dir, 'avrr-cost', (e) => {
      e.reviewed = '9999-99-99';
    });
    await editEntry(dir, 'avrr-family', (e) => {
      e.reviewed = '2025-02-30';
    });
    await editEntry(dir, 'avrr-timeline', (e) => {
      e.reviewed = inTwoYears;
    });
    const flowFile = path.join(dir, 'flows', 'eligibility.yaml');
    const flow = parse(await readFile(flowFile, 'utf8'));
    flow.reviewed = '2024-13-01';
    await writeFile(flowFile, stringify(flow));
    const problems = (await problemsOf(dir)).filter((p) => p.field === 'reviewed');
    expect(problems).toEqual([
      { file: 'avrr-cost.yaml', field: 'reviewed', message: '"9999-99-99" is not a day of the calendar (YYYY-MM-DD)' },
      { file: 'avrr-family.yaml', field: 'reviewed', message: '"2025-02-30" is not a day of the calendar (YYYY-MM-DD)' },
      { file: 'avrr-timeline.yaml', field: 'reviewed', message: `"${inTwoYears}" is in the future: it is the day a person last checked the text` },
      { file: 'flows/eligibility.yaml', field: 'reviewed', message: '"2024-13-01" is not a day of the calendar (YYYY-MM-DD)' },
    ]);
  });

  it('takes a review date of today or tomorrow (time zones ahead of UTC), and a leap day', () => {
    const now = Date.UTC(2026, 0, 31, 23, 30);
    expect(reviewDateProblem('2026-01-31', now)).toBeUndefined();
    expect(reviewDateProblem('2026-02-01', now)).toBeUndefined();
    expect(reviewDateProblem('2024-02-29', now)).toBeUndefined();
    expect(reviewDateProblem('2026-02-02', Date.UTC(2026, 0, 31, 0, 30))).toMatch(/is in the future/);
    expect(reviewDateProblem('2025-02-29', now)).toMatch(/not a day of the calendar/);
    expect(reviewDateProblem('0000-01-01', now)).toMatch(/not a day of the calendar/);
  });

  it('makes `npm run kb:check` fail on HTML in an answer, naming the file, the field and the tag', async () => {
    const dir = await copyOfKnowledge();
    await editEntry(dir, 'contact-iom', (e) => {
      e.languages.fr.answer = `<img src="https://tracker.example/p.gif">\n${e.languages.fr.answer}`;
    });
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/kb-check.ts', dir], { cwd: ROOT });
    const failure = await run.then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('contact-iom.yaml › languages.fr.answer: contains raw HTML (<img src="https://tracker.example/p.gif">)');
  });
});
