import { randomBytes } from 'node:crypto';
import { Low } from 'lowdb';
import { DurableJSONFile } from '../storage/durable-json-file.js';

/** A signed-in staff member's session: kept on the server, the cookie holds only its id. */
export interface StaffSession {
  readonly id: string;
  readonly email: string;
  /** Sent back with every state-changing request (form field or header): CSRF protection. */
  readonly csrfToken: string;
  readonly expiresAt: string;
}

interface SessionsData {
  version: 1;
  sessions: StaffSession[];
}

const token = () => randomBytes(32).toString('base64url');

/**
 * Staff sessions in a JSON file under DATA_DIR, so a restart does not sign everyone out. A
 * session ends at sign-out or when it expires; expired ones are dropped as new ones start.
 */
export class SessionStore {
  private constructor(
    private readonly db: Low<SessionsData>,
    private readonly lifetimeMs: number,
  ) {}

  static async open(filename: string, lifetimeMs: number): Promise<SessionStore> {
    const db = new Low<SessionsData>(new DurableJSONFile<SessionsData>(filename), { version: 1, sessions: [] });
    await db.read();
    if (db.data.version !== 1) throw new Error(`${filename}: unknown sessions format version ${String(db.data.version)}`);
    return new SessionStore(db, lifetimeMs);
  }

  async start(email: string, now = new Date()): Promise<StaffSession> {
    const session = { id: token(), email, csrfToken: token(), expiresAt: new Date(now.getTime() + this.lifetimeMs).toISOString() };
    this.db.data.sessions = [...this.db.data.sessions.filter((s) => s.expiresAt > now.toISOString()), session];
    await this.db.write();
    return session;
  }

  get(id: string, now = new Date()): StaffSession | undefined {
    const session = this.db.data.sessions.find((s) => s.id === id);
    return session && session.expiresAt > now.toISOString() ? session : undefined;
  }

  async end(id: string): Promise<void> {
    const before = this.db.data.sessions.length;
    this.db.data.sessions = this.db.data.sessions.filter((s) => s.id !== id);
    if (this.db.data.sessions.length !== before) await this.db.write();
  }
}
