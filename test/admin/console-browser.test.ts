import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { STAFF, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };

async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/admin`);
  await page.getByLabel('E-mail').fill(STAFF.email);
  await page.getByLabel('Password').fill(STAFF.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor(TIMEOUT);
}

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
    await signIn(page, url);
    await page.getByRole('link', { name: 'Edit the knowledge entries' }).click();
    await page.getByLabel('Search (id, topic or text in any language)').fill('cost');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'avrr-cost' }).click();

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

  it('shows the second of two editors of one entry that the first has published, and keeps the first\'s text', async () => {
    const { url, knowledgeDir } = await serve();
    const first = await openPage({ locale: 'en-GB' });
    const second = await openPage({ locale: 'en-GB' });
    for (const { page } of [first, second]) {
      await signIn(page, url);
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
