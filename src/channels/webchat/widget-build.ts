import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** The widget's sources sit beside this file: only a source checkout can build it. */
export const WIDGET_SOURCES = fileURLToPath(new URL('./widget/', import.meta.url));

export interface BuiltFile {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
}

/**
 * Bundles the widget (vanilla TypeScript and CSS, minified, for old phone browsers) and the
 * demo page with its stylesheet into `outDir`, each also gzip- and brotli-compressed so the
 * server sends the smallest a browser accepts without compressing per request.
 */
export async function buildWidget(outDir: string): Promise<BuiltFile[]> {
  // esbuild is only needed to build: not loaded when the server serves a built widget.
  const { build } = await import('esbuild');
  const bundled = await build({
    entryPoints: [
      { in: path.join(WIDGET_SOURCES, 'main.ts'), out: 'widget' },
      { in: path.join(WIDGET_SOURCES, 'widget.css'), out: 'widget' },
    ],
    bundle: true,
    minify: true,
    format: 'iife',
    // Browsers of cheap phones a few years old (Android Chrome 69+, iOS 15+).
    target: ['es2019', 'chrome69', 'firefox68', 'safari15'],
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    outdir: outDir,
    logLevel: 'silent',
  });
  const outputs = [
    ...bundled.outputFiles.map((file) => ({ name: path.basename(file.path), contents: Buffer.from(file.contents) })),
    { name: 'index.html', contents: await readFile(path.join(WIDGET_SOURCES, 'demo.html')) },
    { name: 'demo.css', contents: await readFile(path.join(WIDGET_SOURCES, 'demo.css')) },
  ];
  await mkdir(outDir, { recursive: true });
  const built: BuiltFile[] = [];
  for (const { name, contents } of outputs) {
    const gzip = gzipSync(contents, { level: 9 });
    const brotli = brotliCompressSync(contents, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: contents.length } });
    // Compressed copies first: a server starting meanwhile never sees a new file with old copies.
    await writeFile(path.join(outDir, `${name}.gz`), gzip);
    await writeFile(path.join(outDir, `${name}.br`), brotli);
    await writeFile(path.join(outDir, name), contents);
    built.push({ name, bytes: contents.length, gzipBytes: gzip.length, brotliBytes: brotli.length });
  }
  return built;
}

/** True when `outDir` has no widget or one older than its sources (a changed source checkout). */
export async function widgetIsStale(outDir: string, sourceDir = WIDGET_SOURCES): Promise<boolean> {
  const builtAt = await stat(path.join(outDir, 'widget.js')).then((s) => s.mtimeMs, () => 0);
  // Sources only: in the compiled build this folder holds the server's compiled markdown.js,
  // which tsc rewrites after the widget was built and which no widget build could start from.
  const sources = (await readdir(sourceDir).catch(() => [] as string[])).filter(isWidgetSource);
  for (const name of sources) {
    if ((await stat(path.join(sourceDir, name))).mtimeMs > builtAt) return true;
  }
  return builtAt === 0 && sources.length > 0;
}

const isWidgetSource = (name: string): boolean => /\.(ts|css|html|json)$/.test(name) && !name.endsWith('.d.ts');

/** Builds the widget when its sources are here and newer than the build; false when there is none. */
export async function ensureWidget(outDir: string): Promise<boolean> {
  if (await widgetIsStale(outDir)) await buildWidget(outDir);
  return stat(path.join(outDir, 'widget.js')).then(() => true, () => false);
}
