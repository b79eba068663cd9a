import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import type { AnswerEngine, AskResult } from '../retrieval/engine.js';

/** One evaluation question: the text, optionally its language, and the entry id (or "none") expected. */
export interface EvalItem {
  q: string;
  lang?: string;
  expect: string;
}

function evalItemProblem(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object') return 'must be an object { q, lang?, expect }';
  const { q, lang, expect, ...rest } = item as Record<string, unknown>;
  if (typeof q !== 'string' || !q.trim()) return '`q` must be a non-empty string';
  if (lang !== undefined && typeof lang !== 'string') return '`lang` must be a string';
  if (typeof expect !== 'string' || !expect.trim()) return '`expect` must be an entry id or "none"';
  const extra = Object.keys(rest);
  return extra.length > 0 ? `unknown field(s): ${extra.join(', ')}` : undefined;
}

export interface EvalFigures {
  /** Items counted (in scope and out of scope). */
  n: number;
  /** Share of in-scope items answered with the expected entry. */
  top1: number | null;
  /** Share of in-scope items whose expected entry is the answer or a suggestion. */
  top3: number | null;
  /** Share of `none` items given the fallback (no entry). */
  noneRejected: number | null;
  /** Median time per question, in milliseconds. */
  p50ms: number;
}

export interface EvalReport {
  overall: EvalFigures;
  byLang: Record<string, EvalFigures>;
}

export interface EvalOutcome {
  item: EvalItem;
  result: AskResult;
  ms: number;
  ok: boolean;
}

export async function readEvalFile(file: string): Promise<EvalItem[]> {
  const data: unknown = parse(await readFile(file, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${file}: expected a YAML list of { q, lang?, expect }`);
  data.forEach((item, i) => {
    const problem = evalItemProblem(item);
    if (problem) throw new Error(`${file}: item ${i + 1}: ${problem}`);
  });
  return data as EvalItem[];
}

/**
 * Asks every question. With `detect`, the item's language is used only for grouping and the
 * engine must detect it; otherwise it is passed as the user's chosen language.
 */
export async function runEval(engine: AnswerEngine, items: readonly EvalItem[], opts: { detect?: boolean } = {}): Promise<{ report: EvalReport; outcomes: EvalOutcome[] }> {
  const outcomes: EvalOutcome[] = [];
  for (const item of items) {
    if (item.expect !== 'none' && !engine.entries.has(item.expect)) throw new Error(`eval item "${item.q}" expects unknown entry "${item.expect}"`);
    const start = performance.now();
    const result = await engine.ask({ text: item.q, lang: opts.detect ? undefined : item.lang });
    const ms = performance.now() - start;
    const ok = item.expect === 'none' ? result.entryId === null : result.entryId === item.expect;
    outcomes.push({ item, result, ms, ok });
  }
  const byLang: Record<string, EvalFigures> = {};
  const langs = [...new Set(outcomes.map((o) => o.item.lang ?? o.result.detectedLang))];
  for (const lang of langs) byLang[lang] = figures(outcomes.filter((o) => (o.item.lang ?? o.result.detectedLang) === lang));
  return { report: { overall: figures(outcomes), byLang }, outcomes };
}

function figures(outcomes: readonly EvalOutcome[]): EvalFigures {
  const inScope = outcomes.filter((o) => o.item.expect !== 'none');
  const none = outcomes.filter((o) => o.item.expect === 'none');
  const share = (list: readonly EvalOutcome[], test: (o: EvalOutcome) => boolean) =>
    list.length === 0 ? null : round(list.filter(test).length / list.length);
  return {
    n: outcomes.length,
    top1: share(inScope, (o) => o.result.entryId === o.item.expect),
    top3: share(inScope, (o) => o.result.entryId === o.item.expect || o.result.suggestions.some((s) => s.entryId === o.item.expect)),
    noneRejected: share(none, (o) => o.result.entryId === null),
    p50ms: round(median(outcomes.map((o) => o.ms))),
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
