// Child process for the embedded store's crash test: applies ever-newer changes to a collection
// large enough to be logged, printing each number once its write is acknowledged, until killed.
// Each apply writes `counter` and `k<n % 50>` together: after any crash, the two must agree.
import { EmbeddedStore } from '../../src/storage/embedded-store.js';

const filler = 'x'.repeat(2000);
const store = await EmbeddedStore.open(process.argv[2] as string);
const docs = store.documents<{ n: number; payload: string }>('docs');
if (!(await docs.get('seed/0'))) await docs.apply(Array.from({ length: 200 }, (_, i) => ({ key: `seed/${i}`, value: { n: 0, payload: filler } })));
let n = (await docs.get('counter'))?.value.n ?? 0;
process.stdout.write('writing\n');
for (;;) {
  n++;
  await docs.apply([
    { key: 'counter', value: { n, payload: '' } },
    { key: `k${n % 50}`, value: { n, payload: `${filler}${n}` } },
  ]);
  process.stdout.write(`${n}\n`);
}
