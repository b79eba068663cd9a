import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../src/languages.js';
import { EVAL_FILE, ROOT } from './support/paths.js';
import { useTempDir } from './support/temp-dir.js';
import { SMALL_ENTRIES, writeSmallKnowledge } from './eval/small-knowledge.js';

const run = promisify(execFile);
const tempDir = useTempDir();

type Figures = Record<string, number | null>;
interface SystemJson {
  overall: Figures;
  byLang: Record<string, Figures>;
  byStyle: Record<string, Figures>;
  reliability: { answered: number; ece: number | null; bins: { from: number; to: number; n: number }[] };
  [key: string]: unknown;
}

function evalCli(args: string[], env: Record<string, string> = {}) {
  return run('npm', ['run', '--silent', 'eval', '--', ...args], { cwd: ROOT, env: { ...process.env, EMBEDDINGS: 'false', ...env }, maxBuffer: 16 * 2 ** 20 });
}

const FIGURES = ['n', 'nInScope', 'nNone', 'nSmalltalk', 'top1', 'top3', 'noneRejected', 'smalltalkRecognised', 'confidentWrong', 'confidentWrongRate', 'accuracy', 'p50ms'];

function expectReport(report: SystemJson) {
  expect(Object.keys(report.overall).sort()).toEqual([...FIGURES].sort());
  for (const figure of ['top1', 'top3', 'noneRejected', 'smalltalkRecognised', 'confidentWrongRate', 'accuracy']) {
    const value = report.overall[figure];
    if (value === null) continue;
    expect(value, figure).toBeGreaterThanOrEqual(0);
    expect(value, figure).toBeLessThanOrEqual(1);
  }
  expect(report.reliability.bins).toHaveLength(10);
  expect(report.reliability.bins.reduce((sum, b) => sum + b.n, 0)).toBe(report.reliability.answered);
}

/** A small knowledge base and an eval file for it, one item expecting an id it does not have. */
async function smallSetup() {
  const dir = await tempDir();
  const knowledgeDir = await writeSmallKnowledge(dir);
  const file = path.join(dir, 'eval.yaml');
  await writeFile(file, [
    `- { q: "${SMALL_ENTRIES['library-card'].question}", lang: en, expect: library-card }`,
    `- { q: "${SMALL_ENTRIES['swimming-pool'].variants[0]}", lang: en, expect: [swimming-pool, no-such-entry] }`,
    `- { q: "${SMALL_ENTRIES['bicycle-repair'].question}", lang: en, expect: not-written-yet }`,
    '- { q: "tell me a joke about cats and dogs please", lang: en, expect: none }',
    '- { q: "hello", lang: en, expect: smalltalk }',
  ].join('\n'));
  return { file, env: { KNOWLEDGE_DIR: knowledgeDir } };
}

describe('npm run eval', () => {
  it('--json prints one JSON object: the engine’s figures overall, per language and per style, and its reliability table', { timeout: 120_000 }, async () => {
    const { stdout } = await evalCli([EVAL_FILE, '--json']);
    const out = JSON.parse(stdout) as { engine: SystemJson; missingIds: string[]; items: number; language: string; inKnowledge: unknown[] };
    expect(Object.keys(out).sort()).toEqual(['engine', 'file', 'inKnowledge', 'items', 'language', 'missingIds']);
    expect(out.language).toBe('given');
    expect(out.missingIds).toEqual([]);
    expect(Object.keys(out.engine).sort()).toEqual(['byLang', 'byStyle', 'mode', 'overall', 'reliability']);
    expect(Object.keys(out.engine.byLang).sort()).toEqual([...LANGUAGES].sort());
    expect(out.engine.overall.n).toBe(out.items);
    for (const style of Object.keys(out.engine.byStyle)) expect(['short', 'romanised', 'long', 'code-switched', 'clear']).toContain(style);
    expectReport(out.engine);
  });

  it('--compare nlpjs trains NLP.js in the same run and reports it beside; a missing expected id is one warning and a miss', async () => {
    const { file, env } = await smallSetup();
    const { stdout, stderr } = await evalCli([file, '--json', '--compare', 'nlpjs'], env);
    const warnings = stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual(['warning: 2 expected id(s) not in the knowledge base, counted as misses: no-such-entry, not-written-yet']);
    const out = JSON.parse(stdout) as { engine: SystemJson; nlpjs: SystemJson; missingIds: string[] };
    expect(out.missingIds).toEqual(['no-such-entry', 'not-written-yet']);
    expect(out.nlpjs).toMatchObject({ version: '4.27.0', documents: { none: 0 } });
    expect(out.nlpjs.trainMs).toBeGreaterThan(0);
    for (const report of [out.engine, out.nlpjs]) {
      expectReport(report);
      expect(report.overall).toMatchObject({ n: 5, nInScope: 3, nNone: 1, nSmalltalk: 1 });
      // The item whose only id is missing can never be right.
      expect(report.overall.top1).toBeLessThanOrEqual(2 / 3 + 0.001);
      // Both at the same out-of-scope rejection, each with its own threshold.
      expect((report as SystemJson & { atRejection: { rejection: number; noneRejected: number } }).atRejection).toMatchObject({ rejection: 0.9, noneRejected: 1 });
    }
  }, 120_000);

  it('prints the two systems side by side, the legend, the reliability table and, with --failures, the misses', async () => {
    const { file, env } = await smallSetup();
    const { stdout } = await evalCli([file, '--compare', 'nlpjs', '--failures'], env);
    expect(stdout).toMatch(/5 items \(3 to answer, 1 none, 1 smalltalk\), language given/);
    expect(stdout).toMatch(/missing ids \(counted as misses\): no-such-entry, not-written-yet/);
    expect(stdout).toMatch(/│ Rahnama .*│ NLP\.js 4\.27\.0/);
    expect(stdout).toMatch(/at 90% out-of-scope rejected, each system with the best threshold for it on this set:\n {2}Rahnama +top1 +\d+%.*\n {2}NLP\.js 4\.27\.0 +top1 +\d+%/);
    for (const heading of ['by language', 'by style', 'overall', 'cw: confident wrong', 'reliability of answered items', 'ECE', 'failures of Rahnama:']) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toMatch(/expected not-written-yet, got/);
    expect(stdout).toMatch(/NLP\.js 4\.27\.0: (right|wrong), /);
  }, 120_000);

  it('refuses a system it cannot compare with', { timeout: 120_000 }, async () => {
    await expect(evalCli([EVAL_FILE, '--compare', 'watson'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--compare: unknown system "watson"') });
  });
});
