// Child process for the crash test: writes ever-newer state through BotStateStorage as fast as
// it can, until it is killed. Each version is self-checking: `payload` ends with `version`.
import { BotStateStorage } from '../../src/storage/bot-state-storage.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';

const storage = new BotStateStorage(await EmbeddedStore.open(process.argv[2] as string));
const filler = 'x'.repeat(200_000);
process.stdout.write('writing\n');
for (let version = 1; ; version++) {
  await storage.write({ state: { version, payload: `${filler}${version}`, eTag: '*' } });
}
