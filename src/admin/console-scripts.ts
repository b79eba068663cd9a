import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The console's browser scripts, by the name they are served under (`/admin/<name>.js`), and their source beside this file. */
const SCRIPTS = { 'entry-editor': 'browser/entry-editor', 'handoff-live': 'browser/handoff-live' } as const;
export type ConsoleScript = keyof typeof SCRIPTS;

/** Where a script is served. */
export const scriptUrl = (name: ConsoleScript) => `/admin/${name}.js`;

const bundles = new Map<ConsoleScript, Promise<string>>();
const here = fileURLToPath(import.meta.url);

/** The bundle `npm run build` writes beside the compiled script: an image serves it, with no esbuild installed. */
export function prebuiltBundle(name: ConsoleScript, dir = path.dirname(here)): string {
  return path.join(dir, `${SCRIPTS[name]}.bundle.js`);
}

/**
 * A script bundled with what it imports (the widget's Markdown renderer) by esbuild, a build
 * tool (devDependency): from the TypeScript source in a checkout, from the compiled JavaScript
 * beside this file otherwise.
 */
export async function bundleConsoleScript(name: ConsoleScript): Promise<string> {
  const entry = path.join(path.dirname(here), `${SCRIPTS[name]}${path.extname(here)}`);
  const { build } = await import('esbuild');
  const result = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: ['es2019'], legalComments: 'none', charset: 'utf8', write: false, logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

/** Every console script's bundle, written into `dir` (the compiled console's folder) for `prebuiltBundle` to find. */
export async function writeConsoleBundles(dir: string): Promise<string[]> {
  const names = Object.keys(SCRIPTS) as ConsoleScript[];
  return Promise.all(names.map(async (name) => {
    const file = prebuiltBundle(name, dir);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await bundleConsoleScript(name));
    return file;
  }));
}

/** The script's code: the prebuilt bundle in `dir` when there is one, else bundled now (a checkout under tsx). */
export function consoleScriptCode(name: ConsoleScript, dir = path.dirname(here)): Promise<string> {
  return readFile(prebuiltBundle(name, dir), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    return bundleConsoleScript(name);
  });
}

/** `consoleScriptCode`, once per process. */
function bundle(name: ConsoleScript): Promise<string> {
  let built = bundles.get(name);
  if (!built) {
    built = consoleScriptCode(name);
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
