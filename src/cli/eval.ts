import { parseArgs } from 'node:util';
import { exitQuietlyOnClosedPipe } from './output.js';
import { loadConfig } from '../config.js';
import { readEvalFile, runEval, type EvalFigures } from '../eval/evaluate.js';
import { loadAnswerEngine, useLocalModelIfPresent } from '../retrieval/load-engine.js';

exitQuietlyOnClosedPipe();

/**
 * `npm run eval -- FILE.yaml [--json] [--detect] [--failures]`: accuracy of the engine on a
 * list of { q, lang?, expect }. With --json, one JSON object and nothing else on stdout.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean' }, detect: { type: 'boolean' }, failures: { type: 'boolean' } },
});
const file = positionals[0];
if (!file) {
  console.error('usage: npm run eval -- FILE.yaml [--json] [--detect] [--failures]');
  process.exit(2);
}
const config = loadConfig();
const engine = await loadAnswerEngine(config);
const models = await useLocalModelIfPresent(engine, config);
const { report, outcomes } = await runEval(engine, await readEvalFile(file), { detect: values.detect });

if (values.json) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const pct = (x: number | null) => (x === null ? '   —' : `${(x * 100).toFixed(0).padStart(3)}%`);
  const row = (name: string, f: EvalFigures) =>
    `${name.padEnd(8)} ${String(f.n).padStart(4)}  ${pct(f.top1)}  ${pct(f.top3)}  ${pct(f.noneRejected).padStart(12)}  ${f.p50ms.toFixed(2).padStart(7)}`;
  console.log(`mode ${engine.mode}${values.detect ? ', language detected' : ', language given'}\n`);
  console.log('lang        n  top1  top3  noneRejected    p50ms');
  for (const [lang, f] of Object.entries(report.byLang)) console.log(row(lang, f));
  console.log(row('overall', report.overall));
  if (values.failures) {
    console.log('\nfailures:');
    for (const o of outcomes.filter((x) => !x.ok)) {
      console.log(`  [${o.item.lang ?? '?'}] ${o.item.q}\n      expected ${o.item.expect}, got ${o.result.entryId ?? 'none'} (${o.result.kind}, ${o.result.confidence}; detected ${o.result.detectedLang}; suggestions ${o.result.suggestions.map((s) => s.entryId).join(',') || '—'})`);
    }
  }
}
await models.close();
