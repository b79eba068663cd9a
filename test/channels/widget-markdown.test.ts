import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { WIDGET_SOURCES } from '../../src/channels/webchat/widget-build.js';
import { useBrowser } from '../support/browser.js';

const openPage = useBrowser();
let renderer = '';

beforeAll(async () => {
  // The widget's own renderer, bundled as the widget is, for Chromium's real DOM.
  const result = await build({
    entryPoints: [path.join(WIDGET_SOURCES, 'markdown.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'markdown',
    write: false,
    logLevel: 'silent',
  });
  renderer = result.outputFiles[0]!.text;
});

interface Rendered {
  html: string;
  /** Every element's tag, attribute names and link address in the result. */
  tags: string[];
  attributes: string[];
  hrefs: string[];
}

/** Renders each source into a live page (so any injected handler would run) and describes the result. */
async function rendered(...sources: string[]): Promise<Rendered[]> {
  const { page, errors } = await openPage();
  await page.setContent('<!doctype html><body></body>');
  await page.addScriptTag({ content: renderer });
  const results = await page.evaluate((all) => {
    const { renderMarkdown } = (window as unknown as { markdown: { renderMarkdown(s: string): DocumentFragment } }).markdown;
    return all.map((source) => {
      const out = document.createElement('div');
      out.append(renderMarkdown(source));
      document.body.append(out);
      const elements = [...out.querySelectorAll('*')];
      return {
        html: out.innerHTML,
        tags: elements.map((e) => e.tagName.toLowerCase()),
        attributes: elements.flatMap((e) => e.getAttributeNames()),
        hrefs: elements.flatMap((e) => (e instanceof HTMLAnchorElement ? [e.href] : [])),
      };
    });
  }, sources);
  // An inline handler of our own, like the hostile ones, put in after them: once it has run, theirs would have.
  await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="window.probed = true" alt="">'));
  await page.waitForFunction(() => (window as unknown as { probed?: boolean }).probed === true);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(errors).toEqual([]);
  return results;
}

const render = async (...sources: string[]) => (await rendered(...sources)).map((r) => r.html);

describe('the widget\'s Markdown', () => {
  it('renders what answers use: paragraphs, line breaks, lists, bold, italics and links', async () => {
    const [answer] = await render('Many people can apply:\n\n- you are **fit to travel**\n- only *once*\n\nSee _How to contact IOM_.\n📞 +359 2 93 94 774\n🌐 https://www.iom.bg.');
    expect(answer).toBe(
      '<p>Many people can apply:</p>' +
        '<ul><li>you are <strong>fit to travel</strong></li><li>only <em>once</em></li></ul>' +
        '<p>See <em>How to contact IOM</em>.<br>📞 <a href="tel:+35929394774" dir="ltr">+359 2 93 94 774</a><br>' +
        '🌐 <a href="https://www.iom.bg/" target="_blank" rel="noopener noreferrer nofollow" dir="ltr">https://www.iom.bg</a>.</p>',
    );
  });

  it('cannot be made to inject HTML, script or unsafe links, whatever the text', async () => {
    const hostile = [
      '<img src=x onerror="window.pwned=1">',
      '<script>window.pwned=1</script>',
      '[click](javascript:window.pwned=1)',
      '[x](data:text/html;base64,PHNjcmlwdD4=)',
      '**<b onmouseover=alert(1)>bold</b>**',
      '`<iframe src=https://evil.example>`',
      '[a](https://ok.example" onclick="x)',
      '- <svg onload=alert(1)>',
      '# <style>body{display:none}</style>',
    ];
    const results = await rendered(...hostile);
    for (const [i, result] of results.entries()) {
      const allowed = ['p', 'br', 'ul', 'ol', 'li', 'strong', 'em', 'code', 'a', 'span'];
      expect(result.tags.filter((t) => !allowed.includes(t)), hostile[i]).toEqual([]);
      expect(result.attributes.filter((a) => !['href', 'target', 'rel', 'dir'].includes(a)), hostile[i]).toEqual([]);
      expect(result.hrefs.filter((h) => !/^(https?|mailto|tel):/.test(h)), hostile[i]).toEqual([]);
    }
    // Unsafe links keep their text, as text; tags stay visible as the text they are.
    expect(results[2]?.html).toBe('<p><span>click</span></p>');
    expect(results[0]?.html).toBe('<p>&lt;img src=x onerror="window.pwned=1"&gt;</p>');
  });

  it('shows a "<" the server escaped for Web Chat clients as the "<" it was, and still as text', async () => {
    const [escaped] = await rendered('Write &lt;b>name&lt;/b> here');
    expect(escaped?.tags).toEqual(['p']);
    expect(escaped?.html).toBe('<p>Write &lt;b&gt;name&lt;/b&gt; here</p>');
  });

  it('copes with text that is not Markdown: lone markers, underscores inside words, very long input', async () => {
    const [lone, snake, long] = await render('2 * 3 = 6 and a*b', 'file_name_here and __init__', `${'**'.repeat(5000)}x${'_'.repeat(5000)}`);
    expect(lone).toBe('<p>2 * 3 = 6 and a*b</p>');
    expect(snake).toContain('file_name_here');
    expect(long?.length).toBeGreaterThan(10_000);
  });

  it('lays out a phone number, an address and an e-mail left to right inside a right-to-left answer', async () => {
    const { page, errors } = await openPage();
    await page.setContent('<!doctype html><body><div id="out" dir="rtl" lang="ar" style="font: 16px sans-serif; width: 600px"></div></body>');
    await page.addScriptTag({ content: renderer });
    const result = await page.evaluate(() => {
      const { renderMarkdown } = (window as unknown as { markdown: { renderMarkdown(s: string, d: Document, o: { isolateLtr: boolean }): DocumentFragment } }).markdown;
      const out = document.getElementById('out')!;
      out.append(renderMarkdown('📞 الهاتف: +359 2 93 94 774\n📍 العنوان: 77 Tzar Asen Street, Sofia.\nاكتب إلى info@iom.int الآن', document, { isolateLtr: true }));
      /** The element that holds `text` whole, its direction and bidi isolation, and where its first and last characters are drawn. */
      const describe = (text: string) => {
        const walker = document.createTreeWalker(out, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = node.textContent!.indexOf(text);
          if (at < 0) continue;
          const x = (offset: number) => {
            const range = document.createRange();
            range.setStart(node!, offset);
            range.setEnd(node!, offset + 1);
            return range.getBoundingClientRect().left;
          };
          const style = getComputedStyle(node.parentElement!);
          return { tag: node.parentElement!.tagName, direction: style.direction, unicodeBidi: style.unicodeBidi, firstLeftOfLast: x(at) < x(at + text.length - 1) };
        }
        return undefined;
      };
      return { phone: describe('+359 2 93 94 774'), street: describe('77 Tzar Asen Street, Sofia'), email: describe('info@iom.int'), html: out.innerHTML };
    });
    expect(result.phone).toEqual({ tag: 'A', direction: 'ltr', unicodeBidi: 'isolate', firstLeftOfLast: true });
    expect(result.street).toEqual({ tag: 'BDI', direction: 'ltr', unicodeBidi: 'isolate', firstLeftOfLast: true });
    expect(result.email).toEqual({ tag: 'BDI', direction: 'ltr', unicodeBidi: 'isolate', firstLeftOfLast: true });
    // The sentence's full stop stays with the Arabic text, outside the isolate.
    expect(result.html).toContain('<bdi dir="ltr">77 Tzar Asen Street, Sofia</bdi>.');
    expect(errors).toEqual([]);
  });
});
