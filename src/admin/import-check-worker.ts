import { parentPort } from 'node:worker_threads';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { checkUpload, entriesOf, type CheckRequest } from './import-check.js';

/**
 * The worker thread of `checkUploadInWorker`: each check's result posted back. Between checks
 * (a worker may wait for the next) it keeps the entries it parsed by their files' texts, so the
 * next check parses only the files that changed. The plan never changes an entry it is given.
 */
let parsed = new Map<string, { text: string; entry: KnowledgeEntry }>();

parentPort?.on('message', (request: CheckRequest) => {
  const fresh = entriesOf(new Map([...request.entryTexts].filter(([id, text]) => parsed.get(id)?.text !== text)));
  parsed = new Map([...request.entryTexts].map(([id, text]) => [id, { text, entry: fresh.get(id) ?? (parsed.get(id)?.entry as KnowledgeEntry) }]));
  void checkUpload(request.upload, new Map([...parsed].map(([id, { entry }]) => [id, entry]))).then((result) => parentPort?.postMessage(result));
});
