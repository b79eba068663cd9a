// `npm start`: the compiled server, dist/main.js, rebuilt first (`npm run build`) when anything it
// is built from is newer. Compiled, it is ready sooner than under tsx, which transpiles every
// file at each start; and tsx and esbuild are then needed to build only, not to run.
// `--build-only`: the rebuild if one is due, and no server (benches run it once before they
// start several servers).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'main.js');
const modified = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;

/** The newest change to what the build reads: every file and folder under src (a folder changes when a file is added or removed), the TypeScript settings, the lock file. */
function newestSource() {
  const src = path.join(root, 'src');
  const files = [src, ...readdirSync(src, { recursive: true }).map((name) => path.join(src, name))];
  return Math.max(...files.map(modified), ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((name) => modified(path.join(root, name))));
}

if (newestSource() > modified(built)) {
  console.error('rahnama: the sources changed since the last build; building (npm run build)');
  // npm runs this script with npm_execpath set to its own CLI; `node scripts/start.mjs` alone finds npm on the PATH.
  const npm = process.env.npm_execpath;
  const build = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: true });
  if (build.status !== 0) {
    // tsc writes its output even when it reports errors: marked old, it is rebuilt next time too.
    if (modified(built) > 0) utimesSync(built, 0, 0);
    console.error('rahnama: the build failed (see above; npm run typecheck names each error). Nothing was started.');
    process.exit(build.status ?? 1);
  }
}
if (!process.argv.includes('--build-only')) await import(pathToFileURL(built).href);
