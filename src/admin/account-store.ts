import { Low } from 'lowdb';
import { DurableJSONFile } from '../storage/durable-json-file.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

export type StaffRole = 'admin' | 'editor';
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'editor'];

/** A staff account: what the console needs to sign someone in, and nothing more. */
export interface StaffAccount {
  readonly email: string;
  readonly role: StaffRole;
  readonly passwordHash: string;
  readonly createdAt: string;
  failedSignIns: number;
  /** ISO time until which sign-in is refused after too many failures. */
  lockedUntil?: string;
}

interface AccountsData {
  version: 1;
  accounts: StaffAccount[];
}

/** Failures in a row before an account is locked, and for how long. */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MS = 15 * 60 * 1000;

export type SignInResult = { readonly account: StaffAccount } | { readonly error: 'invalid' | 'locked' };

export class AccountError extends Error {}

const normaliseEmail = (email: string) => email.trim().toLowerCase();
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Staff accounts in a JSON file under DATA_DIR (atomic writes), with scrypt password hashes and
 * a lock after repeated failed sign-ins. Unknown e-mail and wrong password look the same and
 * take the same time, so the sign-in page does not tell which addresses have accounts.
 */
export class AccountStore {
  private dummyHash: Promise<string> | undefined;

  private constructor(private readonly db: Low<AccountsData>) {}

  static async open(filename: string): Promise<AccountStore> {
    const db = new Low<AccountsData>(new DurableJSONFile<AccountsData>(filename), { version: 1, accounts: [] });
    await db.read();
    if (db.data.version !== 1) throw new Error(`${filename}: unknown accounts format version ${String(db.data.version)}`);
    return new AccountStore(db);
  }

  get accounts(): readonly Omit<StaffAccount, 'passwordHash'>[] {
    return this.db.data.accounts.map(({ passwordHash: _hash, ...rest }) => rest);
  }

  find(email: string): StaffAccount | undefined {
    const wanted = normaliseEmail(email);
    return this.db.data.accounts.find((a) => a.email === wanted);
  }

  async create(input: { email: string; role: StaffRole; password: string }, now = new Date()): Promise<void> {
    const email = normaliseEmail(input.email);
    if (!EMAIL.test(email)) throw new AccountError(`"${input.email}" is not an e-mail address`);
    if (!STAFF_ROLES.includes(input.role)) throw new AccountError(`role must be one of ${STAFF_ROLES.join(', ')}`);
    const problem = passwordProblem(input.password);
    if (problem) throw new AccountError(`the password ${problem}`);
    if (this.find(email)) throw new AccountError(`an account for ${email} already exists`);
    this.db.data.accounts.push({ email, role: input.role, passwordHash: await hashPassword(input.password), createdAt: now.toISOString(), failedSignIns: 0 });
    await this.db.write();
  }

  async signIn(email: string, password: string, now = new Date()): Promise<SignInResult> {
    const account = this.find(email);
    if (!account) {
      // Same work as for a real account, so timing does not reveal which addresses exist.
      this.dummyHash ??= hashPassword('not a real password, only for timing');
      await verifyPassword(password, await this.dummyHash);
      return { error: 'invalid' };
    }
    if (account.lockedUntil) {
      if (account.lockedUntil > now.toISOString()) return { error: 'locked' };
      delete account.lockedUntil;
    }
    if (await verifyPassword(password, account.passwordHash)) {
      account.failedSignIns = 0;
      delete account.lockedUntil;
      await this.db.write();
      return { account };
    }
    account.failedSignIns++;
    const lock = account.failedSignIns >= MAX_FAILED_SIGN_INS;
    if (lock) {
      account.lockedUntil = new Date(now.getTime() + LOCK_MS).toISOString();
      account.failedSignIns = 0;
    }
    await this.db.write();
    return { error: lock ? 'locked' : 'invalid' };
  }
}
