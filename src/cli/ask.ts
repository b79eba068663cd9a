import { parseArgs } from 'node:util';
import { exitQuietlyOnClosedPipe } from './output.js';
import { loadConfig, type Config } from '../config.js';
import { StoredKnowledgeFiles } from '../knowledge/knowledge-files.js';
import { openStore } from '../storage/open-store.js';
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
const served = await loadAnswerEngine(config, await publishedSources(config));
const { engine } = served;
const models = await useLocalModelIfPresent(served, config);
const result = await engine.ask({ text, lang: values.lang }, { explain: true });
console.log(`lang ${result.lang} (detected ${result.detectedLang}, ${result.detectedConfidence}) · ${result.kind} · entry ${result.entryId ?? '—'} · confidence ${result.confidence} · ${result.mode}\n`);
console.log(result.answer);
if (result.suggestions.length > 0) console.log(`\nsuggestions: ${result.suggestions.map((s) => s.entryId).join(', ')}`);
console.log('\ncandidates:');
for (const c of result.candidates ?? []) {
  const dense = c.dense !== undefined ? ` dense ${c.dense.toFixed(3)}` : '';
  console.log(`  ${c.confidence.toFixed(3)}  ${c.entryId}  similarity ${c.similarity.toFixed(3)} (${c.group}, ${c.reading})${dense}`);
}
await models.close();

/** With DATABASE_URL, the knowledge base the servers publish (in the database), not the folder. */
async function publishedSources(config: Config) {
  if (!config.databaseUrl) return undefined;
  const store = await openStore(config);
  try {
    const sources = await new StoredKnowledgeFiles(store).list();
    return sources.length > 0 ? sources : undefined;
  } finally {
    await store.close();
  }
}
