import { performance } from 'node:perf_hooks';
import { LANGUAGES } from '../languages.js';
import type { AnswerEngine } from '../retrieval/engine.js';
import { expectationOf, type EvalItem, type Expectation } from './items.js';
import { STYLE_ORDER, styleOf } from './style.js';

export { readEvalFile, missingIds, type EvalItem } from './items.js';

/** The entry an emergency reply stands for: an item expecting it is right when the system replies with its emergency answer. */
export const EMERGENCY_ENTRY = 'emergency-help';
/** From this confidence, a wrong answer counts as "confident wrong". */
export const CONFIDENT = 0.8;
/** Confidence bins of the reliability table: [0, 0.1), [0.1, 0.2), … [0.9, 1]. */
export const RELIABILITY_BINS = 10;

/** What a system replied, reduced to what scoring needs (the engine's `AskResult`, NLP.js's `process()`). */
export interface SystemAnswer {
  /** `answer`, `emergency`, `fallback`, `smalltalk`, `clarify`, … */
  readonly kind: string;
  /** The entry answered; null for a fallback, small talk or a clarifying question. */
  readonly entryId: string | null;
  /** 0–1, as the system reports it. */
  readonly confidence: number;
  /** Entries offered as "did you mean" (or the system's next-best entries), best first. */
  readonly suggestions: readonly string[];
  readonly detectedLang?: string;
}

/** A question-answering system under evaluation. */
export interface EvalSystem {
  /** Short name for reports and JSON keys (`engine`, `nlpjs`). */
  readonly name: string;
  /** Human name for the text report. */
  readonly label: string;
  ask(text: string, lang: string | undefined): Promise<SystemAnswer>;
}

/** The answer engine as an evaluated system (its public `ask` only). */
export function engineSystem(engine: AnswerEngine): EvalSystem {
  return {
    name: 'engine',
    label: 'Rahnama',
    async ask(text, lang) {
      const result = await engine.ask({ text, lang });
      return {
        kind: result.kind,
        entryId: result.entryId,
        confidence: result.confidence,
        suggestions: result.suggestions.map((s) => s.entryId),
        detectedLang: result.detectedLang,
      };
    },
  };
}

/** The entry a reply claims: its entry (an emergency reply without one: `emergency-help`); null when it claims none. */
export function claimedEntry(answer: SystemAnswer): string | null {
  if (answer.kind === 'emergency') return answer.entryId ?? EMERGENCY_ENTRY;
  return answer.entryId;
}

export interface Scored {
  /** Right: an acceptable entry; no entry for `none` (small talk and clarifying questions count as no entry); small talk for `smalltalk`. */
  readonly ok: boolean;
  /** For entry items: an acceptable entry is the answer or a suggestion. */
  readonly top3: boolean;
  /** The reply claims an entry (an answer or an emergency). */
  readonly answered: boolean;
  /** Answered, wrong, and with confidence ≥ 0.8. */
  readonly confidentWrong: boolean;
}

export function score(expectation: Expectation, answer: SystemAnswer): Scored {
  const claimed = claimedEntry(answer);
  const answered = claimed !== null;
  let ok: boolean;
  let top3 = false;
  switch (expectation.kind) {
    case 'entries':
      // Any emergency reply gives 112 first: right wherever the emergency entry is expected.
      ok = (claimed !== null && expectation.ids.includes(claimed)) || (answer.kind === 'emergency' && expectation.ids.includes(EMERGENCY_ENTRY));
      top3 = ok || answer.suggestions.some((id) => expectation.ids.includes(id));
      break;
    case 'none':
      ok = !answered;
      break;
    case 'smalltalk':
      ok = answer.kind === 'smalltalk';
      break;
  }
  return { ok, top3, answered, confidentWrong: answered && !ok && answer.confidence >= CONFIDENT };
}

export interface EvalOutcome extends Scored {
  readonly item: EvalItem;
  readonly expectation: Expectation;
  /** The item's style (its own, or inferred). */
  readonly style: string;
  /** The item's language, or the one the first system detected. */
  readonly lang: string;
  readonly answer: SystemAnswer;
  readonly ms: number;
}

export interface EvalFigures {
  /** Items counted: entry items, `none` and `smalltalk` items. */
  n: number;
  nInScope: number;
  nNone: number;
  nSmalltalk: number;
  /** Share of entry items answered with an acceptable entry. */
  top1: number | null;
  /** Share of entry items whose acceptable entry is the answer or a suggestion. */
  top3: number | null;
  /** Share of `none` items given no entry (fallback, small talk or a clarifying question). */
  noneRejected: number | null;
  /** Share of `smalltalk` items recognised as small talk. */
  smalltalkRecognised: number | null;
  /** Items answered wrongly (a wrong entry, or any entry for a `none` or `smalltalk` item) with confidence ≥ 0.8. */
  confidentWrong: number;
  /** confidentWrong / n. */
  confidentWrongRate: number | null;
  /** Share of all items scored right. */
  accuracy: number | null;
  /** Median time per question, in milliseconds. */
  p50ms: number;
}

export interface ReliabilityBin {
  /** Lower bound (inclusive); the last bin includes 1. */
  from: number;
  to: number;
  /** Answered items whose confidence falls in the bin. */
  n: number;
  meanConfidence: number | null;
  /** Share of them that were right. */
  accuracy: number | null;
}

export interface Reliability {
  /** Items answered (an entry or an emergency), over which the bins are counted. */
  answered: number;
  bins: ReliabilityBin[];
  /** Expected calibration error: Σ (n_bin / answered) · |accuracy − mean confidence|. */
  ece: number | null;
}

export interface EvalReport {
  overall: EvalFigures;
  byLang: Record<string, EvalFigures>;
  byStyle: Record<string, EvalFigures>;
  reliability: Reliability;
}

export interface SystemRun {
  readonly name: string;
  readonly label: string;
  readonly report: EvalReport;
  readonly outcomes: readonly EvalOutcome[];
}

export interface EvaluateOptions {
  /** Let each system detect the language (the item's `lang` is then used only for grouping). */
  detect?: boolean;
}

/**
 * Asks every item of every system. The systems take turns on each item, the first one
 * alternating, so that a drift in the machine's load touches them alike. Items are grouped by
 * their language (or, without one, what the first system detected) and by style.
 */
export async function evaluate(items: readonly EvalItem[], systems: readonly EvalSystem[], opts: EvaluateOptions = {}): Promise<SystemRun[]> {
  const outcomes: EvalOutcome[][] = systems.map(() => []);
  for (const [i, item] of items.entries()) {
    const expectation = expectationOf(item);
    const style = styleOf(item);
    const order = systems.map((_, s) => s);
    if (i % 2 === 1) order.reverse();
    const answers: { answer: SystemAnswer; ms: number }[] = [];
    for (const s of order) {
      const start = performance.now();
      const answer = await systems[s]!.ask(item.q, opts.detect ? undefined : item.lang);
      answers[s] = { answer, ms: performance.now() - start };
    }
    const lang = item.lang ?? answers[0]?.answer.detectedLang ?? '?';
    answers.forEach(({ answer, ms }, s) => outcomes[s]!.push({ item, expectation, style, lang, answer, ms, ...score(expectation, answer) }));
  }
  return systems.map((system, s) => ({ name: system.name, label: system.label, report: reportOf(outcomes[s]!), outcomes: outcomes[s]! }));
}

/** The engine alone, as `npm run eval` without `--compare` (and the eval floors' test). */
export async function runEval(engine: AnswerEngine, items: readonly EvalItem[], opts: EvaluateOptions = {}): Promise<{ report: EvalReport; outcomes: readonly EvalOutcome[] }> {
  const [run] = await evaluate(items, [engineSystem(engine)], opts);
  return { report: run!.report, outcomes: run!.outcomes };
}

export function reportOf(outcomes: readonly EvalOutcome[]): EvalReport {
  return {
    overall: figures(outcomes),
    byLang: grouped(outcomes, (o) => o.lang, LANGUAGES),
    byStyle: grouped(outcomes, (o) => o.style, STYLE_ORDER),
    reliability: reliability(outcomes),
  };
}

function grouped(outcomes: readonly EvalOutcome[], key: (o: EvalOutcome) => string, order: readonly string[]): Record<string, EvalFigures> {
  const keys = [...new Set(outcomes.map(key))].sort((a, b) => rank(a, order) - rank(b, order) || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, figures(outcomes.filter((o) => key(o) === k))]));
}

function rank(key: string, order: readonly string[]): number {
  const i = order.indexOf(key);
  return i === -1 ? order.length : i;
}

export function figures(outcomes: readonly EvalOutcome[]): EvalFigures {
  const of = (kind: Expectation['kind']) => outcomes.filter((o) => o.expectation.kind === kind);
  const inScope = of('entries');
  const none = of('none');
  const smalltalk = of('smalltalk');
  const confidentWrong = outcomes.filter((o) => o.confidentWrong).length;
  return {
    n: outcomes.length,
    nInScope: inScope.length,
    nNone: none.length,
    nSmalltalk: smalltalk.length,
    top1: share(inScope, (o) => o.ok),
    top3: share(inScope, (o) => o.top3),
    noneRejected: share(none, (o) => o.ok),
    smalltalkRecognised: share(smalltalk, (o) => o.ok),
    confidentWrong,
    confidentWrongRate: outcomes.length === 0 ? null : round(confidentWrong / outcomes.length),
    accuracy: share(outcomes, (o) => o.ok),
    p50ms: round(median(outcomes.map((o) => o.ms))),
  };
}

export function reliability(outcomes: readonly EvalOutcome[]): Reliability {
  const answered = outcomes.filter((o) => o.answered);
  const bins: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < RELIABILITY_BINS; b++) {
    const from = b / RELIABILITY_BINS;
    const to = (b + 1) / RELIABILITY_BINS;
    const inBin = answered.filter((o) => binOf(o.answer.confidence) === b);
    const meanConfidence = inBin.length === 0 ? null : inBin.reduce((sum, o) => sum + o.answer.confidence, 0) / inBin.length;
    const accuracy = inBin.length === 0 ? null : inBin.filter((o) => o.ok).length / inBin.length;
    if (meanConfidence !== null && accuracy !== null) ece += (inBin.length / answered.length) * Math.abs(accuracy - meanConfidence);
    bins.push({ from: round(from), to: round(to), n: inBin.length, meanConfidence: nullableRound(meanConfidence), accuracy: nullableRound(accuracy) });
  }
  return { answered: answered.length, bins, ece: answered.length === 0 ? null : round(ece) };
}

function binOf(confidence: number): number {
  return Math.min(RELIABILITY_BINS - 1, Math.max(0, Math.floor(confidence * RELIABILITY_BINS)));
}

function share<T>(list: readonly T[], test: (x: T) => boolean): number | null {
  return list.length === 0 ? null : round(list.filter(test).length / list.length);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function nullableRound(n: number | null): number | null {
  return n === null ? null : round(n);
}

/** A system's top-1 once its answer threshold is raised to reject a given share of out-of-scope items. */
export interface OperatingPoint {
  /** The share of `none` items to reject. */
  readonly rejection: number;
  /** The lowest confidence this system must have to answer to reject that share; null if no threshold does. */
  readonly threshold: number | null;
  readonly top1: number | null;
  readonly noneRejected: number | null;
}

/**
 * Top-1 at a given out-of-scope rejection, so that systems are compared at one operating point,
 * not one answering everything against one that says "I don't know". The threshold is the
 * lowest of the system's own confidences that rejects at least `rejection` of the `none` items,
 * chosen on the set itself: the most favourable threshold that system could have.
 */
export function atRejection(outcomes: readonly EvalOutcome[], rejection: number): OperatingPoint {
  const none = outcomes.filter((o) => o.expectation.kind === 'none');
  const inScope = outcomes.filter((o) => o.expectation.kind === 'entries');
  const answersAt = (o: EvalOutcome, threshold: number) => o.answered && o.answer.confidence >= threshold;
  const candidates = [0, ...new Set(outcomes.filter((o) => o.answered).map((o) => o.answer.confidence))].sort((a, b) => a - b);
  for (const threshold of [...candidates, Number.POSITIVE_INFINITY]) {
    const rejected = share(none, (o) => !answersAt(o, threshold));
    if (rejected === null || rejected >= rejection) {
      return { rejection, threshold: Number.isFinite(threshold) ? threshold : null, top1: share(inScope, (o) => o.ok && answersAt(o, threshold)), noneRejected: rejected };
    }
  }
  return { rejection, threshold: null, top1: null, noneRejected: null };
}
