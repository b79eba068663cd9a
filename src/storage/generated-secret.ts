import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from './atomic-file.js';
import { VersionConflictError, type Store } from './store.js';

/**
 * A secret generated on first start and kept, for secrets an operator need not set (setting its
 * variable is still better: it survives losing the data). On the embedded store it is a file
 * readable by the owner only, `DATA_DIR/<name>`; on PostgreSQL it is in the database, so every
 * instance uses the same one, whichever generated it.
 */
export async function loadGeneratedSecret(store: Pick<Store, 'kind' | 'documents'>, dataDir: string, name: string): Promise<string> {
  // base64url: also valid as Telegram's webhook secret_token (A-Z, a-z, 0-9, _ and -).
  const secret = randomBytes(32).toString('base64url');
  if (store.kind === 'embedded') {
    const file = path.join(dataDir, name);
    const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (existing.length >= 32) return existing;
    await writeFileAtomically(file, secret, 0o600);
    return secret;
  }
  const secrets = store.documents<string>('generated-secrets');
  const existing = await secrets.get(name);
  if (existing) return existing.value;
  try {
    await secrets.put(name, secret, { ifVersion: null });
    return secret;
  } catch (error) {
    // Another instance generated it first: use that one.
    if (!(error instanceof VersionConflictError)) throw error;
    return (await secrets.get(name))!.value;
  }
}
