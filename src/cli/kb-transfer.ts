import path from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../admin/audit-log.js';
import { loadConfig } from '../config.js';
import { StoredKnowledgeFiles } from '../knowledge/knowledge-files.js';
import { KNOWLEDGE_TOPIC } from '../knowledge/knowledge-sync.js';
import { exportKnowledge, importKnowledge } from '../knowledge/knowledge-transfer.js';
import { formatProblem } from '../knowledge/load.js';
import { openStore } from '../storage/open-store.js';

/**
 * `npm run kb:export [-- DIR]` and `npm run kb:import [-- DIR]` (DIR: KNOWLEDGE_DIR by default):
 * between the knowledge folder and the knowledge base published in the database (DATABASE_URL).
 */
const [command, ...rest] = process.argv.slice(2);
const { positionals } = parseArgs({ args: rest, allowPositionals: true });
const config = loadConfig();
if (!config.databaseUrl) {
  console.error(`rahnama: kb:${command} moves the knowledge base between the folder and the database, and DATABASE_URL is not set: without a database the folder itself is what the server publishes.`);
  process.exit(2);
}
const dir = path.resolve(positionals[0] ?? config.knowledgeDir);
const store = await openStore(config);
const files = new StoredKnowledgeFiles(store);
try {
  if (command === 'export') {
    const report = await exportKnowledge(files, dir);
    console.log(`exported to ${dir}: ${report.written.length} file(s) written, ${report.deleted.length} deleted, ${report.unchanged} unchanged`);
  } else if (command === 'import') {
    const audit = new AuditLog(store);
    const at = new Date().toISOString();
    const result = await importKnowledge(files, dir, (change) => audit.record({ at, who: 'kb:import', action: change.after ? (change.before ? 'publish' : 'create') : 'delete', ...change }));
    if (!result.imported) {
      if ('problems' in result) console.error(`nothing imported: ${result.problems.length} problem(s) in ${dir}:\n${result.problems.map(formatProblem).join('\n')}`);
      else console.error(`nothing imported: published meanwhile from the console: ${result.conflict.join(', ')}; run kb:import again`);
      process.exitCode = 1;
    } else {
      // Every running instance reads the published files again (see KnowledgeSync).
      if (result.written.length + result.deleted.length > 0) await store.broadcast.publish(KNOWLEDGE_TOPIC, JSON.stringify({ origin: 'kb:import', files: [...result.written, ...result.deleted] }));
      console.log(`imported from ${dir}: ${result.written.length} file(s) published, ${result.deleted.length} deleted, ${result.unchanged} unchanged`);
    }
  } else {
    console.error('usage: kb-transfer.ts export|import [DIR]');
    process.exitCode = 2;
  }
} finally {
  await store.close();
}
