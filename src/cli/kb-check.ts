import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { loadLocales } from '../i18n/locales.js';
import { formatProblem, readKnowledgeSources, validateKnowledge } from '../knowledge/load.js';

/**
 * `npm run kb:check [-- DIR]`: validates the knowledge base and the locales; exit 1 on problems.
 * Warnings (missing romanised spellings, an answer without the glossary's term) are printed and
 * do not fail the check.
 */
const { positionals } = parseArgs({ allowPositionals: true });
const config = loadConfig();
const dir = path.resolve(positionals[0] ?? config.knowledgeDir);
const { knowledgeBase, problems, warnings } = validateKnowledge(await readKnowledgeSources(dir));
if (warnings.length > 0) console.warn(`${warnings.length} warning(s) in ${dir}:\n${warnings.map(formatProblem).join('\n')}`);
let failed = problems.length > 0;
if (failed) console.error(`${problems.length} problem(s) in ${dir}:\n${problems.map(formatProblem).join('\n')}`);

try {
  await loadLocales(config.localesDir);
} catch (error) {
  failed = true;
  console.error((error as Error).message);
}
if (failed) process.exit(1);
console.log(`ok: ${knowledgeBase?.entries.size} entries and ${knowledgeBase?.flows.size} guided check(s) in ${dir}, locales valid${warnings.length > 0 ? ` (${warnings.length} warning(s))` : ''}`);
