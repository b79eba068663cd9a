import { cp, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { openStore } from '../../src/storage/open-store.js';
import { ensureWidget, WIDGET_SOURCES, widgetIsStale } from '../../src/channels/webchat/widget-build.js';
import { textDirection } from '../../src/language-facts.js';
import { LANGUAGES } from '../../src/languages.js';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';
import { WIDGET_DIR } from '../support/global-setup.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
let app: FastifyInstance;

afterEach(() => app?.close());

async function start(widgetDir = WIDGET_DIR) {
  const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'a'.repeat(40) });
  const served = await shipped();
  app = await buildApp({ config, ...served, webChat: await createWebChat(config, served, await openStore(config)), widgetDir, logger: false });
  return served.engine;
}

describe('the widget\'s files', () => {
  it('fit the 3G budget: JavaScript and CSS together at most 30 KB gzipped, sent compressed', async () => {
    await start();
    let gzipped = 0;
    for (const file of ['widget.js', 'widget.css']) {
      const plain = await app.inject({ url: `/webchat/${file}` });
      expect(plain.statusCode).toBe(200);
      const gz = await app.inject({ url: `/webchat/${file}`, headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
      const br = await app.inject({ url: `/webchat/${file}`, headers: { 'accept-encoding': 'gzip, br' } });
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
      expect(br.headers['cross-origin-resource-policy']).toBe('cross-origin');
      gzipped += gz.rawPayload.length;
    }
    expect(gzipped).toBeLessThanOrEqual(30 * 1024);
  });

  it('get their strings in every language from the locale files, with the direction and the language list', async () => {
    const engine = await start();
    const english = Object.keys(engine.locales.widget('en')).sort();
    for (const lang of LANGUAGES) {
      const response = await app.inject({ url: `/webchat/strings/${lang}.json` });
      expect(response.statusCode, lang).toBe(200);
      const body = response.json();
      expect(Object.keys(body.strings).sort(), lang).toEqual(english);
      expect(body.dir, lang).toBe(textDirection(lang));
      expect(body.languages.map((l: { code: string }) => l.code)).toEqual([...LANGUAGES]);
      expect(body.maxLength).toBe(1000);
    }
    expect((await app.inject({ url: '/webchat/strings/xx.json' })).statusCode).toBe(400);
  });

  it('come with a demo page at / that embeds the widget under a strict Content-Security-Policy', async () => {
    await start();
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'.*script-src 'self'/);
    expect(page.body).toContain('<script src="/webchat/widget.js" data-lang="auto" async></script>');
    // Nothing inline: the one script tag is all a host page needs.
    expect(page.body.match(/<script/g)).toHaveLength(1);
    expect(page.body).not.toMatch(/<style|style=/);
  });

  it('are rebuilt when a source is newer than the build, and left alone otherwise', async () => {
    const out = await tempDir();
    await cp(WIDGET_DIR, out, { recursive: true });
    expect(await widgetIsStale(out)).toBe(false);
    // A checkout where a source changed after the last build.
    const past = new Date('2000-01-01');
    await utimes(path.join(out, 'widget.js'), past, past);
    expect(await widgetIsStale(out)).toBe(true);
    expect(await ensureWidget(out)).toBe(true);
    expect((await stat(path.join(out, 'widget.js'))).mtimeMs).toBeGreaterThan(past.getTime());
    expect(await widgetIsStale(out)).toBe(false);
    expect(await widgetIsStale(await tempDir())).toBe(true);
    expect(WIDGET_SOURCES).toMatch(/widget[/\\]$/);
  });

  it('are not rebuilt from the compiled build, whose widget folder holds only compiled server code', async () => {
    const out = await tempDir();
    await cp(WIDGET_DIR, out, { recursive: true });
    // dist/channels/webchat/widget: tsc's markdown.js, written after the widget was built.
    const compiled = await tempDir();
    await writeFile(path.join(compiled, 'markdown.js'), 'export {};\n');
    await writeFile(path.join(compiled, 'markdown.js.map'), '{}\n');
    const past = new Date('2000-01-01');
    await utimes(path.join(out, 'widget.js'), past, past);
    expect(await widgetIsStale(out, compiled)).toBe(false);
    // A source there would still count.
    await writeFile(path.join(compiled, 'main.ts'), 'export {};\n');
    expect(await widgetIsStale(out, compiled)).toBe(true);
  });
});
