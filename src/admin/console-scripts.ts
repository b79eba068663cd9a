import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The console's browser scripts, by the name they are served under (`/admin/<name>.js`), and their source beside this file. */
const SCRIPTS = { 'entry-editor': 'browser/entry-editor', 'handoff-live': 'browser/handoff-live' } as const;
export type ConsoleScript = keyof typeof SCRIPTS;

/** Where a script is served. */
export const scriptUrl = (name: ConsoleScript) => `/admin/${name}.js`;

const bundles = new Map<ConsoleScript, Promise<string>>();

/**
 * A script bundled with what it imports (the widget's Markdown renderer), once per process, by
 * esbuild (a dependency: the server builds the widget with it too). From the TypeScript source
 * in a checkout, from the compiled JavaScript beside it in an image.
 */
function bundle(name: ConsoleScript): Promise<string> {
  let built = bundles.get(name);
  if (!built) {
    const here = fileURLToPath(import.meta.url);
    const entry = path.join(path.dirname(here), `${SCRIPTS[name]}${path.extname(here)}`);
    built = import('esbuild')
      .then(({ build }) => build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: ['es2019'], legalComments: 'none', charset: 'utf8', write: false, logLevel: 'silent' }))
      .then((result) => result.outputFiles[0]!.text);
    // A failed build is tried again on the next request.
    built.catch(() => bundles.delete(name));
    bundles.set(name, built);
  }
  return built;
}

/**
 * Serves the console's scripts for the area that calls it, and lets that area's pages run them:
 * the console's CSP gets `script-src 'self'` (same-origin files only, nothing inline).
 */
export function serveConsoleScripts(app: FastifyInstance, names: readonly ConsoleScript[]): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string' && !csp.includes('script-src')) reply.header('content-security-policy', `${csp}; script-src 'self'`);
    return payload;
  });
  for (const name of names) {
    app.get(scriptUrl(name), async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'private, max-age=600').header('x-content-type-options', 'nosniff').send(await bundle(name)),
    );
  }
}
