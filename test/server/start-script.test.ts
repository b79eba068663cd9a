import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const run = promisify(execFile);

/**
 * A project of its own around a copy of scripts/start.mjs: one source, and a build that records
 * each run and writes a dist/main.js printing the source it was built from (or fails, when the
 * source says so), as `npm run build` does for the real one.
 */
async function project() {
  const root = await tempDir();
  await mkdir(path.join(root, 'scripts'));
  await mkdir(path.join(root, 'src'));
  await copyFile(path.join(ROOT, 'scripts/start.mjs'), path.join(root, 'scripts/start.mjs'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'start-test', private: true, type: 'module', scripts: { build: 'node build.mjs' } }));
  await writeFile(
    path.join(root, 'build.mjs'),
    `import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const source = readFileSync('src/main.ts', 'utf8');
appendFileSync('builds.log', 'built\\n');
mkdirSync('dist', { recursive: true });
writeFileSync('dist/main.js', 'console.log(' + JSON.stringify('running ' + source) + ');\\n');
if (source.includes('broken')) process.exit(2);
`,
  );
  const source = async (text: string) => {
    await writeFile(path.join(root, 'src/main.ts'), text);
    // Any build so far was made before this edit (a minute ago), whatever the clock's resolution.
    const before = new Date(Date.now() - 60_000);
    await utimes(path.join(root, 'dist/main.js'), before, before).catch(() => undefined);
  };
  const start = async (...args: string[]) => {
    // Without npm_execpath the script finds npm on the PATH, as `node scripts/start.mjs` does.
    const { npm_execpath: _npm, ...env } = process.env;
    return run(process.execPath, ['scripts/start.mjs', ...args], { cwd: root, env }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
  };
  const builds = () => readFile(path.join(root, 'builds.log'), 'utf8').then((log) => log.split('\n').filter(Boolean).length, () => 0);
  return { source, start, builds };
}

describe('npm start (scripts/start.mjs)', () => {
  it('builds when there is no build, runs it, and does not build again while the sources are unchanged', async () => {
    const p = await project();
    await p.source('version 1');
    expect(await p.start()).toEqual({ code: 0, stdout: expect.stringContaining('running version 1') });
    expect(await p.builds()).toBe(1);
    expect((await p.start()).stdout).toContain('running version 1');
    expect(await p.builds()).toBe(1);
  });

  it('builds again when a source changed since the last build, and runs the new build', async () => {
    const p = await project();
    await p.source('version 1');
    await p.start();
    await p.source('version 2');
    expect((await p.start()).stdout).toContain('running version 2');
    expect(await p.builds()).toBe(2);
  });

  it('with --build-only, builds when the sources changed and runs nothing', async () => {
    const p = await project();
    await p.source('version 1');
    const first = await p.start('--build-only');
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain('running');
    expect(await p.builds()).toBe(1);
    expect(await p.start('--build-only')).toEqual({ code: 0, stdout: '' });
    expect(await p.builds()).toBe(1);
    expect((await p.start()).stdout).toContain('running version 1');
    expect(await p.builds()).toBe(1);
  });

  it('starts nothing when the build fails, and builds again at the next start', async () => {
    const p = await project();
    await p.source('version 1');
    await p.start();
    await p.source('broken version');
    const failed = await p.start();
    expect(failed.code).toBe(2);
    expect(failed.stdout).not.toContain('running');
    await p.start();
    expect(await p.builds()).toBe(3);
  });
});
