import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Two lanes. `integration`: every test file that loads the shipped knowledge base's engine,
 * starts a server, a browser, PostgreSQL or another process (it imports one of the helpers
 * below, the engine loader, or child_process). `unit`: the rest, in process and quick
 * (`npm run test:unit`). A file's lane follows from what it imports, so a new test lands in the
 * right one by itself.
 */
const HEAVY_IMPORTS = /from ['"](?:\.\.\/)+(?:support\/(?:browser|postgres|stores|process|engine|console-server|webchat-server|tiny-model)|(?:\.\.\/)?src\/retrieval\/load-engine)\.js['"]|from ['"]node:child_process['"]/;

const testFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => path.join('test', file));
/** Or a file says so itself, on a line of its own: `// lane: integration` (a slow test of its own making). */
const MARKED = /^\/\/ lane: integration$/m;
const integration = testFiles.filter((file) => {
  const text = readFileSync(file, 'utf8');
  return HEAVY_IMPORTS.test(text) || MARKED.test(text);
});

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: integration, globalSetup: ['test/support/widget-setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: integration, globalSetup: ['test/support/global-setup.ts'] },
      },
    ],
  },
});
