import { parseArgs } from 'node:util';
import { exitQuietlyOnClosedPipe } from './output.js';
import { loadConfig } from '../config.js';
import { atRejection, engineSystem, evaluate, type EvalReport, type EvalSystem } from '../eval/evaluate.js';
import { LEGEND, failureLines, figuresTable, reliabilityTable } from '../eval/format.js';
import { missingIds, readEvalFile } from '../eval/items.js';
import { overlapWithKnowledge } from '../eval/overlap.js';
import type { NlpJsSystem } from '../eval/nlpjs.js';
import { loadAnswerEngine, useLocalModelIfPresent } from '../retrieval/load-engine.js';

exitQuietlyOnClosedPipe();

const USAGE = 'usage: npm run eval -- FILE.yaml [--json] [--detect] [--failures] [--compare nlpjs]';
/** Out-of-scope rejection at which systems are also compared (the answer engine's target). */
const MATCHED_REJECTION = 0.9;
/** Systems `--compare` knows. */
const COMPARABLE = ['nlpjs'] as const;

/**
 * `npm run eval -- FILE.yaml [--json] [--detect] [--failures] [--compare nlpjs]`: how well the
 * engine answers a list of { q, lang?, expect, style? } (see src/eval/items.ts), per language,
 * per style and overall, with a reliability table. `--compare nlpjs` trains NLP.js on the same
 * knowledge in the same run and reports it beside. With --json, one JSON object and nothing
 * else on stdout; warnings go to stderr.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean' }, detect: { type: 'boolean' }, failures: { type: 'boolean' }, compare: { type: 'string' } },
});
const file = positionals[0];
if (!file || positionals.length > 1) {
  console.error(USAGE);
  process.exit(2);
}
if (values.compare !== undefined && !(COMPARABLE as readonly string[]).includes(values.compare)) {
  console.error(`--compare: unknown system "${values.compare}" (known: ${COMPARABLE.join(', ')})\n${USAGE}`);
  process.exit(2);
}

const config = loadConfig();
const items = await readEvalFile(file);
const served = await loadAnswerEngine(config);
const { engine, knowledge } = served;
const missing = missingIds(items, new Set(knowledge.entries.keys()));
if (missing.length > 0) console.error(`warning: ${missing.length} expected id(s) not in the knowledge base, counted as misses: ${missing.join(', ')}`);
const inKnowledge = overlapWithKnowledge(items, knowledge);

const models = await useLocalModelIfPresent(served, config);
const systems: EvalSystem[] = [engineSystem(engine)];
let nlpjs: NlpJsSystem | undefined;
if (values.compare === 'nlpjs') {
  if (!values.json) process.stderr.write('training NLP.js on the knowledge base…\n');
  const { trainNlpJs } = await import('../eval/nlpjs.js');
  nlpjs = await trainNlpJs(knowledge);
  systems.push(nlpjs);
}
const runs = await evaluate(items, systems, { detect: values.detect });
const language = values.detect ? 'detected' : 'given';
// Every system at one operating point: the out-of-scope rejection a product needs (see `atRejection`).
const matched = new Map(runs.map((run) => [run.name, atRejection(run.outcomes, MATCHED_REJECTION)]));

if (values.json) {
  const out: Record<string, unknown> = {
    file, items: items.length, language, missingIds: missing,
    inKnowledge: inKnowledge.map((o) => ({ q: o.item.q, lang: o.item.lang, where: o.where })),
  };
  for (const run of runs) {
    const extra: Record<string, unknown> = run.name === 'engine' ? { mode: engine.mode } : {};
    if (nlpjs && run.name === nlpjs.name) Object.assign(extra, { version: nlpjs.version, trainMs: Math.round(nlpjs.trainMs), documents: nlpjs.documents });
    if (runs.length > 1) extra.atRejection = matched.get(run.name);
    out[run.name] = { ...extra, ...run.report } satisfies Partial<EvalReport> & Record<string, unknown>;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const { overall } = runs[0]!.report;
  console.log(`${file}: ${overall.n} items (${overall.nInScope} to answer, ${overall.nNone} none, ${overall.nSmalltalk} smalltalk), language ${language}`);
  console.log(`Rahnama: ${engine.mode} mode${nlpjs ? ` · ${nlpjs.label}: trained on ${nlpjs.documents.entries} texts and ${nlpjs.documents.none} out-of-scope examples in ${(nlpjs.trainMs / 1000).toFixed(2)} s` : ''}`);
  if (missing.length > 0) console.log(`missing ids (counted as misses): ${missing.join(', ')}`);
  if (inKnowledge.length > 0) {
    console.log(`${inKnowledge.length} question(s) of this set are in the knowledge base word for word (they measure recall, not generalisation):`);
    for (const o of inKnowledge) console.log(`  [${o.item.lang ?? '?'}] ${o.item.q}  ← ${o.where}`);
  }
  console.log('');
  for (const line of figuresTable(runs)) console.log(line);
  if (runs.length > 1 && runs[0]!.report.overall.nNone > 0) {
    const pct = (n: number | null) => (n === null ? '—' : `${Math.round(n * 100)}%`);
    console.log(`at ${pct(MATCHED_REJECTION)} out-of-scope rejected, each system with the best threshold for it on this set:`);
    for (const run of runs) {
      const point = matched.get(run.name);
      const from = point?.threshold === 0 ? 'as it answers' : point?.threshold ? `answering from confidence ${point.threshold.toFixed(3)}` : 'answering nothing';
      console.log(`  ${run.label.padEnd(16)} top1 ${pct(point?.top1 ?? null).padStart(4)}  (${from}; ${pct(point?.noneRejected ?? null)} rejected)`);
    }
  }
  console.log('');
  for (const line of LEGEND) console.log(line);
  console.log('');
  for (const line of reliabilityTable(runs)) console.log(line);
  if (values.failures) {
    console.log('');
    for (const line of failureLines(runs)) console.log(line);
  }
}
await models.close();
