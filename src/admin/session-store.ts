import { randomBytes } from 'node:crypto';
import type { Documents, Store } from '../storage/store.js';

/** A signed-in staff member's session: kept on the server, the cookie holds only its id. */
export interface StaffSession {
  readonly id: string;
  readonly email: string;
  /** Sent back with every state-changing request (form field or header): CSRF protection. */
  readonly csrfToken: string;
  readonly expiresAt: string;
}

const token = () => randomBytes(32).toString('base64url');

/**
 * Staff sessions on the Store (keyed by session id), so a restart does not sign everyone out and
 * any instance knows every session. A session ends at sign-out or when it expires; expired ones
 * are deleted as new ones start.
 */
export class SessionStore {
  private readonly records: Documents<StaffSession>;

  constructor(
    store: Store,
    private readonly lifetimeMs: number,
  ) {
    this.records = store.documents('staff-sessions');
  }

  async start(email: string, now = new Date()): Promise<StaffSession> {
    const session = { id: token(), email, csrfToken: token(), expiresAt: new Date(now.getTime() + this.lifetimeMs).toISOString() };
    await Promise.all([this.records.put(session.id, session, { at: now }), this.records.deleteWrittenBefore(new Date(now.getTime() - this.lifetimeMs))]);
    return session;
  }

  async get(id: string, now = new Date()): Promise<StaffSession | undefined> {
    const session = (await this.records.get(id))?.value;
    return session && session.expiresAt > now.toISOString() ? session : undefined;
  }

  async end(id: string): Promise<void> {
    await this.records.delete([id]);
  }
}
