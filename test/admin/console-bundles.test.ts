import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleConsoleScript, consoleScriptCode, prebuiltBundle, writeConsoleBundles } from '../../src/admin/console-scripts.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();

describe("the console's browser scripts", () => {
  it('are bundled at build time into one self-contained file each, beside the compiled console', async () => {
    const dir = await tempDir();
    const files = await writeConsoleBundles(dir);
    expect(files.map((file) => path.relative(dir, file)).sort()).toEqual(['browser/entry-editor.bundle.js', 'browser/handoff-live.bundle.js']);
    const editor = await readFile(prebuiltBundle('entry-editor', dir), 'utf8');
    expect(editor).toBe(await bundleConsoleScript('entry-editor'));
    // An immediately invoked function with its imports inside: nothing left for the browser to load.
    expect(editor).not.toMatch(/\bimport\s*[{("']/);
  });

  it('are served from the prebuilt bundle when there is one, so a server needs no bundler', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'browser'));
    await writeFile(prebuiltBundle('handoff-live', dir), '/* prebuilt */');
    expect(await consoleScriptCode('handoff-live', dir)).toBe('/* prebuilt */');
    // Without one (a checkout under tsx), bundled on the spot.
    expect(await consoleScriptCode('entry-editor', dir)).toBe(await bundleConsoleScript('entry-editor'));
  });
});
