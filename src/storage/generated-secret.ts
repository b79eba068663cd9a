import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from './atomic-file.js';

/**
 * A secret generated on first start and kept, readable by the owner only, in `DATA_DIR/<name>`:
 * for secrets an operator need not set on a single instance (several instances must share one,
 * set through its variable). The same approach as the web chat's DIRECTLINE_SECRET.
 */
export async function loadGeneratedSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing.length >= 32) return existing;
  // base64url: also valid as Telegram's webhook secret_token (A-Z, a-z, 0-9, _ and -).
  const secret = randomBytes(32).toString('base64url');
  await writeFileAtomically(file, secret, 0o600);
  return secret;
}
