import { VersionConflictError, type Documents, type Store } from '../storage/store.js';
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

/** Failures in a row before an account is locked, and for how long. */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MS = 15 * 60 * 1000;

export type SignInResult = { readonly account: StaffAccount } | { readonly error: 'invalid' | 'locked' };

export class AccountError extends Error {}

const normaliseEmail = (email: string) => email.trim().toLowerCase();
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Staff accounts on the Store (keyed by e-mail address), with scrypt password hashes and a lock
 * after repeated failed sign-ins. Unknown e-mail and wrong password look the same and take the
 * same time, so the sign-in page does not tell which addresses have accounts.
 */
export class AccountStore {
  private dummyHash: Promise<string> | undefined;
  private readonly records: Documents<StaffAccount>;

  constructor(store: Store) {
    this.records = store.documents('staff-accounts');
  }

  async accounts(): Promise<Omit<StaffAccount, 'passwordHash'>[]> {
    return (await this.records.list()).map(({ value: { passwordHash: _hash, ...rest } }) => rest);
  }

  async find(email: string): Promise<StaffAccount | undefined> {
    return (await this.records.get(normaliseEmail(email)))?.value;
  }

  async create(input: { email: string; role: StaffRole; password: string }, now = new Date()): Promise<void> {
    const email = normaliseEmail(input.email);
    if (!EMAIL.test(email)) throw new AccountError(`"${input.email}" is not an e-mail address`);
    if (!STAFF_ROLES.includes(input.role)) throw new AccountError(`role must be one of ${STAFF_ROLES.join(', ')}`);
    const problem = passwordProblem(input.password);
    if (problem) throw new AccountError(`the password ${problem}`);
    const account = { email, role: input.role, passwordHash: await hashPassword(input.password), createdAt: now.toISOString(), failedSignIns: 0 };
    try {
      await this.records.put(email, account, { ifVersion: null });
    } catch (error) {
      if (error instanceof VersionConflictError) throw new AccountError(`an account for ${email} already exists`);
      throw error;
    }
  }

  async signIn(email: string, password: string, now = new Date()): Promise<SignInResult> {
    const stored = await this.records.get(normaliseEmail(email));
    if (!stored) {
      // Same work as for a real account, so timing does not reveal which addresses exist.
      this.dummyHash ??= hashPassword('not a real password, only for timing');
      await verifyPassword(password, await this.dummyHash);
      return { error: 'invalid' };
    }
    const account = { ...stored.value };
    if (account.lockedUntil) {
      if (account.lockedUntil > now.toISOString()) return { error: 'locked' };
      delete account.lockedUntil;
    }
    if (await verifyPassword(password, account.passwordHash)) {
      account.failedSignIns = 0;
      delete account.lockedUntil;
      await this.records.put(account.email, account);
      return { account };
    }
    account.failedSignIns++;
    const lock = account.failedSignIns >= MAX_FAILED_SIGN_INS;
    if (lock) {
      account.lockedUntil = new Date(now.getTime() + LOCK_MS).toISOString();
      account.failedSignIns = 0;
    }
    // Conditional: failures counted at once on two instances must not undo each other.
    await this.records.put(account.email, account, { ifVersion: stored.version }).catch((error: unknown) => {
      if (!(error instanceof VersionConflictError)) throw error;
    });
    return { error: lock ? 'locked' : 'invalid' };
  }
}
