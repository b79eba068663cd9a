// Child process for the crash test: writes ever-newer state through JsonFileStorage as fast as
// it can, until it is killed. Each version is self-checking: `payload` ends with `version`.
import { JsonFileStorage } from '../../src/storage/json-file-storage.js';

const storage = await JsonFileStorage.open(process.argv[2] as string);
const filler = 'x'.repeat(200_000);
process.stdout.write('writing\n');
for (let version = 1; ; version++) {
  await storage.write({ state: { version, payload: `${filler}${version}`, eTag: '*' } });
}
