import type { EvalFigures, EvalOutcome, Reliability, SystemRun } from './evaluate.js';
import { CONFIDENT } from './evaluate.js';

/** The text report of `npm run eval`: one block of columns per system, side by side. */

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
const num = (x: number | null, digits = 2) => (x === null ? '—' : x.toFixed(digits));

/** Column widths of one system's figures: top1 top3 oos talk cw p50ms. */
const FIGURE_HEADERS = ['top1', 'top3', 'oos', 'talk', 'cw', 'p50ms'] as const;
const FIGURE_WIDTHS = [5, 5, 5, 5, 4, 7] as const;
const LABEL_WIDTH = 16;
const SEPARATOR = '  │ ';

function figureCells(f: EvalFigures): string[] {
  return [pct(f.top1), pct(f.top3), pct(f.noneRejected), pct(f.smalltalkRecognised), String(f.confidentWrong), f.p50ms.toFixed(2)];
}

function cells(values: readonly string[], widths: readonly number[]): string {
  return values.map((v, i) => v.padStart(widths[i] ?? 0)).join(' ');
}

function blockWidth(widths: readonly number[]): number {
  return widths.reduce((a, b) => a + b, 0) + widths.length - 1;
}

export const LEGEND = [
  'top1: an acceptable entry answered, of the items expecting one; top3: answered or offered as a suggestion;',
  'oos: `none` items given no entry (fallback, small talk or a clarifying question); talk: `smalltalk` items recognised;',
  `cw: confident wrong, answered wrongly (a wrong entry, or any entry for none/smalltalk) with confidence ≥ ${CONFIDENT}; p50ms: median per question.`,
];

/** The figures table: per language, per style and overall, each system's block side by side. */
export function figuresTable(runs: readonly SystemRun[]): string[] {
  const first = runs[0];
  if (!first) return [];
  const width = blockWidth(FIGURE_WIDTHS);
  const lines: string[] = [];
  lines.push(`${''.padEnd(LABEL_WIDTH)}${'n'.padStart(5)}${runs.map((r) => SEPARATOR + r.label.padEnd(width)).join('')}`.trimEnd());
  lines.push(`${''.padEnd(LABEL_WIDTH + 5)}${runs.map(() => SEPARATOR + cells(FIGURE_HEADERS, FIGURE_WIDTHS)).join('')}`);
  const row = (label: string, pick: (r: SystemRun) => EvalFigures | undefined) => {
    const f0 = pick(first);
    if (!f0) return;
    lines.push(`${label.padEnd(LABEL_WIDTH)}${String(f0.n).padStart(5)}${runs.map((r) => {
      const f = pick(r);
      return SEPARATOR + (f ? cells(figureCells(f), FIGURE_WIDTHS) : ''.padEnd(width));
    }).join('')}`);
  };
  lines.push('by language');
  for (const lang of Object.keys(first.report.byLang)) row(`  ${lang}`, (r) => r.report.byLang[lang]);
  lines.push('by style');
  for (const style of Object.keys(first.report.byStyle)) row(`  ${style}`, (r) => r.report.byStyle[style]);
  row('overall', (r) => r.report.overall);
  return lines;
}

const BIN_WIDTHS = [5, 6, 6] as const;

/** The reliability table: per confidence bin, answered items, their mean confidence and accuracy; then the ECE. */
export function reliabilityTable(runs: readonly SystemRun[]): string[] {
  const first = runs[0];
  if (!first) return [];
  const width = blockWidth(BIN_WIDTHS);
  const lines: string[] = ['reliability of answered items (an entry or an emergency): per confidence bin, items, mean confidence, accuracy'];
  lines.push(`${''.padEnd(LABEL_WIDTH)}${runs.map((r) => SEPARATOR + r.label.padEnd(width)).join('')}`.trimEnd());
  lines.push(`${'  confidence'.padEnd(LABEL_WIDTH)}${runs.map(() => SEPARATOR + cells(['n', 'conf', 'acc'], BIN_WIDTHS)).join('')}`);
  first.report.reliability.bins.forEach((bin, b) => {
    const label = `  ${bin.from.toFixed(1)}–${bin.to.toFixed(1)}`;
    lines.push(`${label.padEnd(LABEL_WIDTH)}${runs.map((r) => {
      const x = r.report.reliability.bins[b];
      return SEPARATOR + (x ? cells([String(x.n), num(x.meanConfidence), num(x.accuracy)], BIN_WIDTHS) : ''.padEnd(width));
    }).join('')}`);
  });
  const summary = (label: string, value: (rel: Reliability) => string) =>
    lines.push(`${label.padEnd(LABEL_WIDTH)}${runs.map((r) => SEPARATOR + value(r.report.reliability).padStart(BIN_WIDTHS[0]).padEnd(width)).join('')}`.trimEnd());
  summary('  answered', (rel) => String(rel.answered));
  summary('  ECE', (rel) => num(rel.ece, 3));
  return lines;
}

function describe(o: EvalOutcome): string {
  const a = o.answer;
  return `${a.entryId ?? 'none'} (${a.kind}, ${a.confidence}; detected ${a.detectedLang ?? '?'}; suggestions ${a.suggestions.join(',') || '—'})`;
}

function expected(o: EvalOutcome): string {
  const e = o.expectation;
  return e.kind === 'entries' ? e.ids.join(' | ') : e.kind;
}

/** The first system's misses; with others, what each of them replied to the same item. */
export function failureLines(runs: readonly SystemRun[]): string[] {
  const [first, ...others] = runs;
  if (!first) return [];
  const lines = [`failures of ${first.label}:`];
  first.outcomes.forEach((o, i) => {
    if (o.ok) return;
    lines.push(`  [${o.item.lang ?? '?'}, ${o.style}] ${o.item.q}`);
    lines.push(`      expected ${expected(o)}, got ${describe(o)}`);
    for (const other of others) {
      const x = other.outcomes[i];
      if (x) lines.push(`      ${other.label}: ${x.ok ? 'right' : 'wrong'}, ${describe(x)}`);
    }
  });
  return lines;
}
