import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KNOWLEDGE_DIR = path.join(ROOT, 'knowledge');
export const LOCALES_DIR = path.join(ROOT, 'locales');
export const EVAL_FILE = path.join(ROOT, 'test/eval/eval.yaml');
