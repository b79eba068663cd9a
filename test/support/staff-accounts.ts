import { AccountStore } from '../../src/admin/account-store.js';
import type { ScryptCost } from '../../src/admin/passwords.js';
import type { Store } from '../../src/storage/store.js';

/**
 * The scrypt cost of test fixtures' staff accounts: N=2^10 (1 MiB, about a millisecond) instead
 * of OWASP's 2^17 (128 MiB, a tenth of a second or more on a busy machine), for every account
 * made and every sign-in checked. Each hash carries its cost, so servers verify these at this
 * cost while production hashes stay at OWASP's.
 */
export const FIXTURE_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });

/** Staff accounts on `store` whose new passwords are hashed at the fixture cost. */
export const fixtureAccounts = (store: Store) => new AccountStore(store, { passwordCost: FIXTURE_SCRYPT_COST });
