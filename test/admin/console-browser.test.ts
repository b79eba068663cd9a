import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { LANGUAGES } from '../../src/languages.js';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { signInOnPage, STAFF, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };


describe('the staff console in a real browser', () => {
  it('opens the overview from /admin/ with a trailing slash, before and after signing in', async () => {
    const { url } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await page.goto(`${url}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByLabel('E-mail').fill(STAFF.email);
    await page.getByLabel('Password').fill(STAFF.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor(TIMEOUT);
    const response = await page.goto(`${url}/admin/?lang=bg`);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url())).toMatchObject({ pathname: '/admin', search: '?lang=bg' });
    expect(await page.locator('html').getAttribute('lang')).toBe('bg');
    expect(errors).toEqual([]);
  });

  it('signs in, fixes a Farsi answer, publishes, and the bot answers with it at once', async () => {
    const { url, knowledge } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await signInOnPage(page, url, '/admin');
    await page.getByRole('link', { name: 'Edit the knowledge entries' }).click();
    await page.getByLabel('Search (id, topic or text in any language)').fill('cost');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'avrr-cost' }).click();

    await page.getByLabel('Beside English, show').selectOption('fa');
    const farsi = page.locator('fieldset[lang="fa"]');
    expect(await farsi.getAttribute('dir')).toBe('rtl');
    expect(await farsi.getAttribute('class')).toContain('machine');
    const fixed = 'این پاسخ را کارکنان اصلاح کردند: هزینه‌ها را مشاور توضیح می‌دهد.';
    await farsi.getByLabel('Answer (Markdown)').fill(fixed);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published.' }).waitFor(TIMEOUT);

    const question = knowledge.entries.get('avrr-cost')!.languages.fa.question;
    const asked = await (await fetch(`${url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: question, lang: 'fa' }) })).json();
    expect(asked.answer).toContain(fixed);
    expect(errors).toEqual([]);
  });

  it('edits English beside one chosen language with a live preview of each answer, shows only the machine translations on request, and keeps the choice after publishing', async () => {
    const { url, knowledgeDir } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await signInOnPage(page, url, '/admin');
    await page.goto(`${url}/admin/entries/avrr-cost`);
    const shipped = parse(await readFile(path.join(knowledgeDir, 'avrr-cost.yaml'), 'utf8')) as KnowledgeEntry;
    const visibleLanguages = async () => {
      const shown: string[] = [];
      for (const fieldset of await page.locator('.languages > fieldset').all()) if (await fieldset.isVisible()) shown.push((await fieldset.getAttribute('lang'))!);
      return shown;
    };
    // English and the first machine translation, not eleven languages: a page of a few screens.
    const firstMachine = LANGUAGES.find((l) => l !== 'en' && shipped.languages[l].status === 'machine');
    expect(await visibleLanguages()).toEqual(['en', firstMachine]);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(2600);

    // Each answer rendered beside it as the web chat renders it: bold, lists, paragraphs.
    const englishPreview = page.locator('#preview-en');
    expect(await englishPreview.locator('li').count()).toBe(shipped.languages.en.answer.split('\n').filter((line) => /^\s*[-*] /.test(line)).length);
    expect(await englishPreview.locator('strong').first().textContent()).toBe('flight ticket');

    // Arabic beside English; the preview follows the typing, right to left.
    await page.getByLabel('Beside English, show').selectOption('ar');
    expect(await visibleLanguages()).toEqual(['en', 'ar']);
    const arabic = page.locator('fieldset[lang="ar"]');
    await arabic.getByLabel('Answer (Markdown)').fill('**التذكرة** مجانية.\n\n- بند أول\n- بند ثان\n- مكتب IOM في صوفيا');
    const arabicPreview = page.locator('#preview-ar');
    await arabicPreview.locator('strong', { hasText: 'التذكرة' }).waitFor(TIMEOUT);
    expect(await arabicPreview.locator('li').allTextContents()).toEqual(['بند أول', 'بند ثان', 'مكتب IOM في صوفيا']);
    // A Latin word isolated left to right, as the widget shows it in a right-to-left answer.
    expect(await arabicPreview.locator('li bdi[dir="ltr"]').allTextContents()).toEqual(['IOM']);
    expect(await arabicPreview.evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');

    // Only the machine translations: every one of them, and no reviewed one but English.
    await page.getByLabel('Beside English, show').selectOption('machine');
    const machine = LANGUAGES.filter((l) => l !== 'en' && shipped.languages[l].status === 'machine');
    expect(await visibleLanguages()).toEqual(['en', ...machine]);
    expect(await page.getByLabel('Beside English, show').locator('option[value="machine"]').textContent()).toBe(`Only the machine translations (${machine.length})`);

    // Switching views kept the Arabic text; it is published, and the page comes back on Arabic.
    await page.getByLabel('Beside English, show').selectOption('ar');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published.' }).waitFor(TIMEOUT);
    expect(new URL(page.url()).searchParams.get('view')).toBe('ar');
    expect(await visibleLanguages()).toEqual(['en', 'ar']);
    expect((parse(await readFile(path.join(knowledgeDir, 'avrr-cost.yaml'), 'utf8')) as KnowledgeEntry).languages.ar.answer).toBe('**التذكرة** مجانية.\n\n- بند أول\n- بند ثان\n- مكتب IOM في صوفيا\n');
    expect(errors).toEqual([]);
  });

  it('shows the second of two editors of one entry that the first has published, and keeps the first\'s text', async () => {
    const { url, knowledgeDir } = await serve();
    const first = await openPage({ locale: 'en-GB' });
    const second = await openPage({ locale: 'en-GB' });
    for (const { page } of [first, second]) {
      await signInOnPage(page, url, '/admin');
      await page.goto(`${url}/admin/entries/avrr-timeline`);
    }
    const edit = async (page: Page, text: string) => {
      await page.locator('fieldset[lang="en"]').getByLabel('Answer (Markdown)').fill(text);
      await page.getByRole('button', { name: 'Publish' }).click();
    };
    await edit(first.page, 'The first editor\'s timeline text.');
    await first.page.getByRole('status').filter({ hasText: 'Published.' }).waitFor(TIMEOUT);
    await edit(second.page, 'The second editor\'s timeline text.');
    await second.page.getByRole('alert').filter({ hasText: 'Someone else published this entry after you opened it.' }).waitFor(TIMEOUT);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${knowledgeDir}/avrr-timeline.yaml`, 'utf8')).toContain('The first editor');
  });
});
