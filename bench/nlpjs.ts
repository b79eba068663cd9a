import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { readEvalFile } from '../src/eval/items.js';
import { trainNlpJs, type NlpJsSystem } from '../src/eval/nlpjs.js';
import { loadKnowledgeBase } from '../src/knowledge/load.js';
import type { AnswerEngine } from '../src/retrieval/engine.js';
import { loadAnswerEngine } from '../src/retrieval/load-engine.js';

/**
 * The answer engine beside its baseline, NLP.js (node-nlp), for `npm run bench` (suite
 * `nlpjs`): per question, `engine.ask` against NLP.js's `process()` on the eval questions
 * (test/eval/eval.yaml, and ../shared/eval/challenge.yaml when it is there), both detecting the
 * language; and the engine's load (knowledge, locales, index, model) against NLP.js's reading
 * of the same knowledge and training. Each round asks every question twice: the first time
 * (what a new message costs: the engine then stems and folds words it has not met) and again
 * (its stems, folded words and rendered answers cached, as in a server that has been up a
 * while); the two are reported apart. Round after round, the two take turns, each round
 * starting with the other, so that the machine's drifting load touches both alike; latencies
 * are pooled over the rounds, load and training times are the median of the rounds.
 */
export interface NlpJsBenchOptions {
  readonly root: string;
  /** Rounds (default 3, `BENCH_NLPJS_ROUNDS`). */
  readonly rounds: number;
  readonly progress: (what: string) => void;
}

export interface Latency {
  p50ms: number;
  p99ms: number;
}

export interface NlpJsBenchResult {
  rounds: number;
  questions: number;
  files: string[];
  nlpjsVersion: string;
  engine: Latency & { again: Latency; loadMs: number; loadMsPerRound: number[] };
  nlpjs: Latency & { again: Latency; trainMs: number; trainMsPerRound: number[] };
}

export const nlpjsDefaults = { rounds: Number(process.env.BENCH_NLPJS_ROUNDS ?? 3) };

/** The eval files the bench reads: the repository's, and the shared challenge set when present. */
export function evalFiles(root: string): string[] {
  const challenge = path.resolve(root, '..', 'shared', 'eval', 'challenge.yaml');
  return [path.join(root, 'test/eval/eval.yaml'), ...(existsSync(challenge) ? [challenge] : [])];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function latency(times: number[]): Latency {
  times.sort((a, b) => a - b);
  return { p50ms: percentile(times, 50), p99ms: percentile(times, 99) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export async function nlpjsBench(opts: NlpJsBenchOptions): Promise<NlpJsBenchResult> {
  const files = evalFiles(opts.root);
  const questions = (await Promise.all(files.map(readEvalFile))).flat().map((item) => item.q);
  const config = loadConfig({ LOG_LEVEL: 'silent', EMBEDDINGS: 'false' }, opts.root);
  await import('node-nlp'); // loaded once, outside the timings (about 1.5 s here)

  const loadEngine = async () => {
    // An empty engine cache: the engine validates and trains, as NLP.js reads and trains.
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'rahnama-bench-nlpjs-'));
    const t = performance.now();
    const { engine, cache } = await loadAnswerEngine({ ...config, cacheDir });
    const ms = performance.now() - t;
    await cache.settled();
    await rm(cacheDir, { recursive: true, force: true });
    return { engine, ms };
  };
  const trainBaseline = async () => {
    const t = performance.now();
    const nlpjs = await trainNlpJs(await loadKnowledgeBase(config.knowledgeDir));
    return { nlpjs, ms: performance.now() - t };
  };

  const loadMs: number[] = [];
  const trainMs: number[] = [];
  const engineTimes: number[] = [];
  const nlpjsTimes: number[] = [];
  const engineAgain: number[] = [];
  const nlpjsAgain: number[] = [];
  let version = '';
  for (let round = 0; round < opts.rounds; round++) {
    opts.progress(`NLP.js vs engine: round ${round + 1} of ${opts.rounds} (${questions.length} questions)`);
    const engineFirst = round % 2 === 0;
    let engine: AnswerEngine;
    let nlpjs: NlpJsSystem;
    if (engineFirst) {
      const e = await loadEngine();
      const n = await trainBaseline();
      [engine, nlpjs] = [e.engine, n.nlpjs];
      loadMs.push(e.ms);
      trainMs.push(n.ms);
    } else {
      const n = await trainBaseline();
      const e = await loadEngine();
      [engine, nlpjs] = [e.engine, n.nlpjs];
      loadMs.push(e.ms);
      trainMs.push(n.ms);
    }
    version = nlpjs.version;
    const askEngine = async (q: string) => {
      const t = performance.now();
      await engine.ask({ text: q });
      return performance.now() - t;
    };
    const askNlpJs = async (q: string) => {
      const t = performance.now();
      await nlpjs.ask(q, undefined);
      return performance.now() - t;
    };
    // Warm-up: the first questions through each, not timed.
    for (const q of questions.slice(0, 20)) {
      await askEngine(q);
      await askNlpJs(q);
    }
    for (const [engineTo, nlpjsTo] of [[engineTimes, nlpjsTimes], [engineAgain, nlpjsAgain]] as const) {
      for (const [i, q] of questions.entries()) {
        if ((i + round) % 2 === 0) {
          engineTo.push(await askEngine(q));
          nlpjsTo.push(await askNlpJs(q));
        } else {
          nlpjsTo.push(await askNlpJs(q));
          engineTo.push(await askEngine(q));
        }
      }
    }
  }
  return {
    rounds: opts.rounds,
    questions: questions.length,
    files: files.map((f) => path.relative(opts.root, f)),
    nlpjsVersion: version,
    engine: { ...latency(engineTimes), again: latency(engineAgain), loadMs: median(loadMs), loadMsPerRound: loadMs },
    nlpjs: { ...latency(nlpjsTimes), again: latency(nlpjsAgain), trainMs: median(trainMs), trainMsPerRound: trainMs },
  };
}

/** The bench table's rows for this suite. */
export function nlpjsRows(r: NlpJsBenchResult): string[][] {
  const ms = (n: number) => n.toFixed(3);
  const s = (n: number) => `${(n / 1000).toFixed(2)} s`;
  const which = `${r.questions} eval questions, language detected, ${r.rounds} rounds`;
  return [
    [`engine.ask (${which})`, `p50 ${ms(r.engine.p50ms)} ms`, `p99 ${ms(r.engine.p99ms)} ms`, ''],
    [`NLP.js ${r.nlpjsVersion} process() (same questions, in turn)`, `p50 ${ms(r.nlpjs.p50ms)} ms`, `p99 ${ms(r.nlpjs.p99ms)} ms`, `engine/NLP.js p50 ${(r.engine.p50ms / r.nlpjs.p50ms).toFixed(2)}x`],
    ['engine.ask, each question asked again', `p50 ${ms(r.engine.again.p50ms)} ms`, `p99 ${ms(r.engine.again.p99ms)} ms`, ''],
    ['NLP.js process(), each question asked again', `p50 ${ms(r.nlpjs.again.p50ms)} ms`, `p99 ${ms(r.nlpjs.again.p99ms)} ms`, `engine/NLP.js p50 ${(r.engine.again.p50ms / r.nlpjs.again.p50ms).toFixed(2)}x`],
    ['engine load (knowledge, locales, index, model), median', s(r.engine.loadMs), `rounds: ${r.engine.loadMsPerRound.map(s).join(' ')}`, ''],
    ['NLP.js read knowledge + train, median', s(r.nlpjs.trainMs), `rounds: ${r.nlpjs.trainMsPerRound.map(s).join(' ')}`, ''],
  ];
}
