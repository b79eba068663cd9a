import { createInterface } from 'node:readline';
import { inspect, parseArgs } from 'node:util';
import { AccountError, AccountStore, STAFF_ROLES, type StaffRole } from '../admin/account-store.js';
import { loadConfig, secretValues } from '../config.js';
import { RahnamaError } from '../errors.js';
import { isLang, LANGUAGES } from '../languages.js';
import { secretRedactor } from '../redact.js';
import { embeddedStoreDir, openStore } from '../storage/open-store.js';
import { claimStoreFolder, StoreInUseError, type OwnerLock } from '../storage/owner-lock.js';

/**
 * `npm run admin:create -- --email EMAIL [--role admin|editor|counsellor] [--languages ar,fa]`:
 * creates a staff account, with the languages its holder speaks (a counsellor's). The password
 * comes from ADMIN_PASSWORD when set (automation), otherwise it is asked for twice, without echo
 * on a terminal.
 *
 * On the embedded store it runs only while no server does: the server keeps the accounts in
 * memory and writes them whole, so an account added beside it would be lost at its next write.
 * On PostgreSQL every write is its own transaction, and it runs beside the servers.
 */
const { values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string', default: 'admin' }, languages: { type: 'string', default: '' } } });
const fail = (message: string): never => {
  console.error(`rahnama: ${secretRedactor(secretValues())(message)}`);
  process.exit(1);
};
const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    return error instanceof RahnamaError ? fail(error.message) : fail(String(error));
  }
})();
if (!values.email) fail('--email is required: npm run admin:create -- --email you@example.org [--role admin|editor|counsellor] [--languages ar,fa]');
if (!STAFF_ROLES.includes(values.role as StaffRole)) fail(`--role must be one of ${STAFF_ROLES.join(', ')}`);
const languages = values.languages!.split(',').map((code) => code.trim()).filter(Boolean);
const unknownLanguages = languages.filter((code) => !isLang(code));
if (unknownLanguages.length > 0) fail(`--languages: unknown ${unknownLanguages.join(', ')}; use codes from ${LANGUAGES.join(',')}`);

/** The embedded store's folder, made this process's until it exits; refused while a server runs on it. */
async function ownEmbeddedStore(): Promise<OwnerLock | undefined> {
  if (config.databaseUrl) return undefined;
  try {
    return await claimStoreFolder(embeddedStoreDir(config.dataDir), 'admin:create');
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    return fail(
      [
        `no account created: ${error.message}.`,
        'A running server keeps the accounts in memory and would overwrite an account written beside it.',
        'Stop the server, run admin:create again, then start the server:',
        '  Docker: docker stop <container>; docker run --rm -it -v <data volume>:/app/data <image> node dist/cli/admin-create.js --email …; docker start <container>',
        'With DATABASE_URL (PostgreSQL), accounts can be created while servers run.',
      ].join('\n'),
    );
  }
}

async function askPassword(): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  // On a terminal, what is typed is not shown.
  if (process.stdin.isTTY) (lines as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => undefined;
  // Lines read as they come: piped input may hold both at once.
  const input = lines[Symbol.asyncIterator]();
  const next = async (prompt: string) => {
    process.stdout.write(prompt);
    const line = await input.next();
    process.stdout.write('\n');
    return line.done ? fail('no password given') : line.value;
  };
  const first = await next('Password: ');
  const second = await next('Again: ');
  lines.close();
  if (first !== second) fail('the two passwords differ');
  return first;
}

// Before the password is asked for: a refusal comes before anything is typed.
const ownership = await ownEmbeddedStore();
const password = config.admin.password || (await askPassword());
try {
  const store = await openStore(config);
  try {
    await new AccountStore(store).create({ email: values.email!, role: values.role as StaffRole, password, languages });
  } finally {
    await store.close();
    await ownership?.release();
  }
  console.log(`created ${values.role} account ${values.email!.trim().toLowerCase()}${languages.length > 0 ? ` speaking ${languages.join(', ')}` : ''}; sign in at /admin/login`);
} catch (error) {
  // Redacted in `fail`: a database error may quote its address.
  fail(error instanceof AccountError ? error.message : inspect(error));
}
