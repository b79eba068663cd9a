import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Three lanes, each runnable alone (`npm run test:unit`, `test:integration`, `test:e2e`; `npm
 * test` runs all three). `e2e`: every test file that drives Chromium (it imports the browser
 * helper or Playwright). `integration`: the other files that load the shipped knowledge base's
 * engine, start a server, PostgreSQL or another process (they import one of the helpers below,
 * the engine loader, or child_process). `unit`: the rest, in process and quick. A file's lane
 * follows from what it imports, so a new test lands in the right one by itself.
 */
const HEAVY_IMPORTS = /from ['"](?:\.\.\/)+(?:support\/(?:browser|postgres|stores|process|engine|console-server|webchat-server|tiny-model)|(?:\.\.\/)?src\/retrieval\/load-engine)\.js['"]|from ['"]node:child_process['"]/;

const BROWSER_IMPORTS = /from ['"](?:(?:\.\.\/)+support\/browser\.js|playwright(?:-core)?)['"]/;

const testFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => path.join('test', file));
/** Or a file says so itself, on a line of its own: `// lane: integration` (a slow test of its own making). */
const MARKED = /^\/\/ lane: integration$/m;
const texts = new Map(testFiles.map((file) => [file, readFileSync(file, 'utf8')]));
const e2e = testFiles.filter((file) => BROWSER_IMPORTS.test(texts.get(file)!));
const integration = testFiles.filter((file) => !e2e.includes(file) && (HEAVY_IMPORTS.test(texts.get(file)!) || MARKED.test(texts.get(file)!)));

export default defineConfig({
  test: {
    // One test file per core, not vitest's default of one fewer: most files wait on servers,
    // Chromium or PostgreSQL in other processes, and with two cores the default runs one at a time.
    maxWorkers: Math.max(2, availableParallelism()),
    // A worker runs its test files one after another in one module graph, not each afresh:
    // importing botbuilder, Fastify and ONNX Runtime again for every file was 88 of the suite's
    // 345 s here (17 s shared; the suite 345 → about 240 s). A file that mocks a module loads what
    // uses it afresh (`vi.resetModules()`, as test/server/route-schemas.test.ts does), and a
    // file that changes shared state (the shipped engine of test/support/engine.ts) restores it.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...integration, ...e2e], globalSetup: ['test/support/widget-setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: integration, globalSetup: ['test/support/global-setup.ts'] },
      },
      {
        extends: true,
        // The widget is built once before; no database (the consoles they sign in to use the embedded store).
        test: { name: 'e2e', include: e2e, globalSetup: ['test/support/widget-setup.ts'] },
      },
    ],
  },
});
