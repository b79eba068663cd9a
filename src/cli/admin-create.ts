import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AccountError, AccountStore, STAFF_ROLES, type StaffRole } from '../admin/account-store.js';
import { openStore } from '../storage/open-store.js';
import { loadConfig } from '../config.js';

/**
 * `npm run admin:create -- --email EMAIL [--role admin|editor]`: creates a staff account. The
 * password comes from ADMIN_PASSWORD when set (automation), otherwise it is asked for twice,
 * without echo on a terminal.
 */
const { values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string', default: 'admin' } } });
const config = loadConfig();
const fail = (message: string): never => {
  console.error(`rahnama: ${message}`);
  process.exit(1);
};
if (!values.email) fail('--email is required: npm run admin:create -- --email you@example.org [--role admin|editor]');
if (!STAFF_ROLES.includes(values.role as StaffRole)) fail(`--role must be one of ${STAFF_ROLES.join(', ')}`);

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

const password = config.admin.password || (await askPassword());
try {
  const store = await openStore(config);
  try {
    await new AccountStore(store).create({ email: values.email!, role: values.role as StaffRole, password });
  } finally {
    await store.close();
  }
  console.log(`created ${values.role} account ${values.email!.trim().toLowerCase()}; sign in at /admin/login`);
} catch (error) {
  if (error instanceof AccountError) fail(error.message);
  throw error;
}
