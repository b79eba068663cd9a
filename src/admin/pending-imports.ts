import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { VersionConflictError, type Documents, type Store } from '../storage/store.js';

/** One entry a dry run would publish, and the version of its file the staff member reviewed. */
export interface ImportEdit {
  readonly entry: KnowledgeEntry;
  readonly baseVersion: string;
}

/** A dry run that can be applied: exactly the edits the staff member saw. */
interface PendingImport {
  /** Names this dry run in the apply form, so an older page cannot apply a newer dry run. */
  readonly token: string;
  readonly expiresAt: string;
  readonly edits: readonly ImportEdit[];
}

/**
 * Spreadsheet dry runs awaiting "apply", on the Store (keyed by staff session id: one per
 * session, a new dry run replaces the last), so the apply may land on any instance sharing the
 * store. Each can be applied once, before it expires; expired ones are deleted as new ones come.
 */
export class PendingImports {
  private readonly records: Documents<PendingImport>;

  constructor(
    store: Store,
    private readonly lifetimeMs: number,
  ) {
    this.records = store.documents('pending-imports');
  }

  /** Keeps `edits` for the session; returns the token that applies them. */
  async save(sessionId: string, edits: readonly ImportEdit[], now = new Date()): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    const pending: PendingImport = { token, expiresAt: new Date(now.getTime() + this.lifetimeMs).toISOString(), edits };
    await Promise.all([this.records.put(sessionId, pending, { at: now }), this.records.deleteWrittenBefore(new Date(now.getTime() - this.lifetimeMs))]);
    return token;
  }

  /** Forgets the session's dry run (a new one was not clean). */
  async forget(sessionId: string): Promise<void> {
    await this.records.delete([sessionId]);
  }

  /**
   * The edits `token` names, removed so they cannot be applied twice (two instances racing for
   * the same token: one gets them); undefined if unknown, expired, another session's or used.
   */
  async take(sessionId: string, token: string, now = new Date()): Promise<readonly ImportEdit[] | undefined> {
    const found = await this.records.get(sessionId);
    if (!found || !sameToken(found.value.token, token)) return undefined;
    try {
      await this.records.apply([{ key: sessionId, value: null, ifVersion: found.version }]);
    } catch (error) {
      if (error instanceof VersionConflictError) return undefined;
      throw error;
    }
    return found.value.expiresAt > now.toISOString() ? found.value.edits : undefined;
  }
}

const sameToken = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
