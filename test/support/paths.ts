import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KNOWLEDGE_DIR = path.join(ROOT, 'knowledge');
export const LOCALES_DIR = path.join(ROOT, 'locales');
export const EVAL_FILE = path.join(ROOT, 'test/eval/eval.yaml');
/**
 * The engine cache every test shares (and every server process a test starts): an engine on
 * knowledge some test has loaded before is restored, not trained again. Each file in it is named
 * by a hash of what it was built from, so sharing cannot mix up two knowledge bases.
 */
export const TEST_CACHE_DIR = path.join(tmpdir(), 'rahnama-test-engine-cache');
