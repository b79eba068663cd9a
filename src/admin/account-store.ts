import { isLang, LANGUAGES, type Lang } from '../languages.js';
import { VersionConflictError, type Documents, type Store } from '../storage/store.js';
import { hashPassword, OWASP_SCRYPT_COST, passwordProblem, verifyPassword, type ScryptCost } from './passwords.js';

/** `counsellor`: answers people in live conversations (the handoff queue), which editors do not see. */
export type StaffRole = 'admin' | 'editor' | 'counsellor';
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'editor', 'counsellor'];
/** The roles that see the handoff queue and its conversations. */
export const HANDOFF_ROLES: readonly StaffRole[] = ['admin', 'counsellor'];

/** A staff account: what the console needs to sign someone in, and nothing more. */
export interface StaffAccount {
  readonly email: string;
  readonly role: StaffRole;
  /** The languages this staff member speaks (a counsellor's, for the queue and glosses); absent: none given. */
  readonly languages?: readonly Lang[];
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
  /** Per account, the last change under way in this process (see `update`). */
  private readonly queues = new Map<string, Promise<void>>();

  /** The scrypt cost new hashes are made at (each hash keeps its own): OWASP's, or a test fixture's cheaper one. */
  private readonly passwordCost: ScryptCost;

  constructor(store: Store, options: { passwordCost?: ScryptCost } = {}) {
    this.records = store.documents('staff-accounts');
    this.passwordCost = options.passwordCost ?? OWASP_SCRYPT_COST;
  }

  async accounts(): Promise<Omit<StaffAccount, 'passwordHash'>[]> {
    return (await this.records.list()).map(({ value: { passwordHash: _hash, ...rest } }) => rest);
  }

  async find(email: string): Promise<StaffAccount | undefined> {
    return (await this.records.get(normaliseEmail(email)))?.value;
  }

  async create(input: { email: string; role: StaffRole; password: string; languages?: readonly string[] }, now = new Date()): Promise<void> {
    const email = normaliseEmail(input.email);
    if (!EMAIL.test(email)) throw new AccountError(`"${input.email}" is not an e-mail address`);
    if (!STAFF_ROLES.includes(input.role)) throw new AccountError(`role must be one of ${STAFF_ROLES.join(', ')}`);
    const languages = checkLanguages(input.languages ?? []);
    const problem = passwordProblem(input.password);
    if (problem) throw new AccountError(`the password ${problem}`);
    const account: StaffAccount = {
      email,
      role: input.role,
      ...(languages.length > 0 ? { languages } : {}),
      passwordHash: await hashPassword(input.password, this.passwordCost),
      createdAt: now.toISOString(),
      failedSignIns: 0,
    };
    try {
      await this.records.put(email, account, { ifVersion: null });
    } catch (error) {
      if (error instanceof VersionConflictError) throw new AccountError(`an account for ${email} already exists`);
      throw error;
    }
  }

  /** Changes the languages a staff member speaks; false: no such account. */
  async setLanguages(email: string, languages: readonly string[]): Promise<boolean> {
    const checked = checkLanguages(languages);
    return (await this.update(normaliseEmail(email), ({ languages: _old, ...account }) => (checked.length > 0 ? { ...account, languages: checked } : account))) !== undefined;
  }

  /**
   * The attempt is counted before the password is checked, in one conditional write: attempts
   * made at the same moment (on one instance or several) each see the others, so no more than
   * MAX_FAILED_SIGN_INS guesses are checked before the lock, however many arrive at once.
   */
  async signIn(email: string, password: string, now = new Date()): Promise<SignInResult> {
    const key = normaliseEmail(email);
    let locksNow = false;
    const attempt = await this.update(key, (account) => {
      if (isLocked(account, now)) return undefined;
      const failedSignIns = (account.lockedUntil ? 0 : account.failedSignIns) + 1;
      locksNow = failedSignIns >= MAX_FAILED_SIGN_INS;
      const { lockedUntil: _expired, ...rest } = account;
      // The attempt that reaches the limit locks at once; its own right password still opens it below.
      return locksNow ? { ...rest, failedSignIns: 0, lockedUntil: new Date(now.getTime() + LOCK_MS).toISOString() } : { ...rest, failedSignIns };
    });
    if (!attempt) {
      // Same work as for a real account, so timing does not reveal which addresses exist.
      this.dummyHash ??= hashPassword('not a real password, only for timing', this.passwordCost);
      await verifyPassword(password, await this.dummyHash);
      return { error: 'invalid' };
    }
    if (!attempt.changed) return { error: 'locked' };
    if (!(await verifyPassword(password, attempt.account.passwordHash))) return { error: locksNow ? 'locked' : 'invalid' };
    const signedIn = await this.update(key, ({ lockedUntil: _lock, ...account }) => ({ ...account, failedSignIns: 0 }));
    return signedIn ? { account: signedIn.account } : { error: 'invalid' };
  }

  /**
   * Changes one account by a read and a conditional write, again on a conflict; `change` returns
   * undefined to leave it as it is. In this process the changes of one account also wait for each
   * other, so a burst of attempts does not turn into a storm of conflicts. Undefined: no account.
   */
  private update(email: string, change: (account: StaffAccount) => StaffAccount | undefined): Promise<{ account: StaffAccount; changed: boolean } | undefined> {
    const run = async () => {
      for (;;) {
        const stored = await this.records.get(email);
        if (!stored) return undefined;
        const next = change(stored.value);
        if (!next) return { account: stored.value, changed: false };
        try {
          await this.records.put(email, next, { ifVersion: stored.version });
          return { account: next, changed: true };
        } catch (error) {
          if (!(error instanceof VersionConflictError)) throw error;
        }
      }
    };
    const result = (this.queues.get(email) ?? Promise.resolve()).then(run);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(email, settled);
    void settled.then(() => {
      if (this.queues.get(email) === settled) this.queues.delete(email);
    });
    return result;
  }
}

/** Known language codes, each once, in the order given; anything else is refused by name. */
function checkLanguages(languages: readonly string[]): Lang[] {
  const unknown = languages.filter((code) => !isLang(code));
  if (unknown.length > 0) throw new AccountError(`unknown language ${unknown.join(', ')}: use codes from ${LANGUAGES.join(' ')}`);
  return [...new Set(languages as readonly Lang[])];
}

const isLocked = (account: StaffAccount, now: Date) => account.lockedUntil !== undefined && account.lockedUntil > now.toISOString();
