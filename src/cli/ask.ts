import { parseArgs } from 'node:util';
import { exitQuietlyOnClosedPipe } from './output.js';
import { loadConfig } from '../config.js';
import { loadAnswerEngine, useLocalModelIfPresent } from '../retrieval/load-engine.js';

exitQuietlyOnClosedPipe();

/** `npm run ask -- "question" [--lang xx]`: the answer, then the candidates with their scores. */
const { positionals, values } = parseArgs({ allowPositionals: true, options: { lang: { type: 'string' } } });
const text = positionals.join(' ');
if (!text.trim()) {
  console.error('usage: npm run ask -- "question" [--lang xx]');
  process.exit(2);
}
const config = loadConfig();
const engine = await loadAnswerEngine(config);
const models = await useLocalModelIfPresent(engine, config);
const result = await engine.ask({ text, lang: values.lang }, { explain: true });
console.log(`lang ${result.lang} (detected ${result.detectedLang}, ${result.detectedConfidence}) · ${result.kind} · entry ${result.entryId ?? '—'} · confidence ${result.confidence} · ${result.mode}\n`);
console.log(result.answer);
if (result.suggestions.length > 0) console.log(`\nsuggestions: ${result.suggestions.map((s) => s.entryId).join(', ')}`);
console.log('\ncandidates:');
for (const c of result.candidates ?? []) {
  const kw = c.keyword ? ` keyword[${c.keyword.lang} coverage ${c.keyword.coverage} score ${c.keyword.score}]` : '';
  const dense = c.dense ? ` dense[${c.dense.similarity.toFixed(3)}]` : '';
  console.log(`  ${c.confidence.toFixed(3)}  ${c.entryId}${kw}${dense}`);
}
await models.close();
