import { spawn } from 'node:child_process';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/admin/audit-log.js';
import { StoredKnowledgeFiles } from '../../src/knowledge/knowledge-files.js';
import { KNOWLEDGE_TOPIC, KnowledgeSync, type SyncLog } from '../../src/knowledge/knowledge-sync.js';
import { readKnowledgeSources, type KnowledgeSource } from '../../src/knowledge/load.js';
import { openPublishedKnowledge } from '../../src/knowledge/published-knowledge.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import type { Store } from '../../src/storage/store.js';
import { testConfig } from '../support/engine.js';
import { KNOWLEDGE_DIR, ROOT } from '../support/paths.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { useStoreBackends } from '../support/stores.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const postgres = useStoreBackends().find((b) => b.name === 'postgres')!;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end as an operator would, in the project folder, with `env` on top of this process's. */
function run(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm run kb:import|kb:export -- DIR` without npm's own start-up: the script it runs. */
const kbTransfer = (command: 'import' | 'export', dir: string, databaseUrl: string) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/kb-transfer.ts', command, dir], { DATABASE_URL: databaseUrl });

/** A fresh database holding the shipped knowledge base, as the first server start leaves it. */
async function publishedDatabase(): Promise<{ url: string; store: Store; files: StoredKnowledgeFiles }> {
  const url = await usePostgresDatabase();
  const place = { open: async () => (await postgres.place()).open() };
  void place;
  const store = await openOn(url);
  const { files } = await openPublishedKnowledge(testConfig(), store);
  return { url, store, files: files as StoredKnowledgeFiles };
}

/** Another store on the database at `url` (another instance), closed after the test. */
const opened: Store[] = [];
async function openOn(url: string): Promise<Store> {
  const { PostgresStore } = await import('../../src/storage/postgres/postgres-store.js');
  const store = await PostgresStore.open(url);
  opened.push(store);
  return store;
}
