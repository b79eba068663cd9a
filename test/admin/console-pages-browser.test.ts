import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { axeViolations } from '../support/axe.js';
import { signInOnPage, useConsoleServer } from '../support/console-server.js';
import { ROOT } from '../support/paths.js';

const serve = useConsoleServer();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };


/** The README's console screenshots, in docs/screenshots/, only with UPDATE_SCREENSHOTS=1 (ordinary runs leave the tree alone). */
async function saveScreenshot(page: Page, name: string, clipTo?: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const dir = path.join(ROOT, 'docs/screenshots');
  await mkdir(dir, { recursive: true });
  const box = clipTo ? await page.locator(clipTo).boundingBox() : null;
  const size = page.viewportSize()!;
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true, ...(box ? { clip: { x: 0, y: 0, width: size.width, height: Math.ceil(box.y + box.height + 8) } } : {}) });
}

describe('the console pages of the editor, the history and the inbox in a real browser', () => {
  it('have no WCAG 2.1 A or AA violation (axe-core): the editor with its previews, a change side by side, the inbox with an Arabic question', async () => {
    const { url, insights } = await serve();
    // Three people asked much the same in Arabic, two in English: the bot had no answer.
    for (const text of ['هل يمكنني اخذ قطتي معي عند العودة؟', 'هل يمكنني أخذ قطتي معي عند العودة ؟', 'هل يمكنني أخذ قطتي معي عند العودة؟']) await insights.recordUnanswered({ text, lang: 'ar', bestEntryId: null, bestConfidence: 0 });
    for (const text of ['can my cousin who lives in Sofia come with me on the return flight', 'Can my cousin who lives in Sofia come with me on the return flight?']) await insights.recordUnanswered({ text, lang: 'en', bestEntryId: null, bestConfidence: 0 });
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await signInOnPage(page, url);

    await page.goto(`${url}/admin/entries/avrr-cost?view=fa`);
    await page.locator('#preview-fa li').first().waitFor(TIMEOUT);
    expect(await axeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'console-editor');

    // One sentence added to a Persian answer, then that change side by side.
    await page.goto(`${url}/admin/entries/avrr-transit?view=fa`);
    const answer = page.locator('fieldset[lang="fa"]').getByLabel('Answer (Markdown)');
    await answer.fill((await answer.inputValue()).replace(/\.(\s|$)/, '. پرواز شما را کارکنان IOM همراهی می‌کنند.$1'));
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published.' }).waitFor(TIMEOUT);
    await page.goto(`${url}/admin/entries/avrr-transit/history`);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: /Show the change/ }).click();
    await page.locator('table.diff mark').first().waitFor(TIMEOUT);
    expect(await page.locator('table.diff mark').first().textContent()).toContain('پرواز شما را کارکنان IOM همراهی می‌کنند.');
    expect(await axeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'console-history-diff', 'section.card');

    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`${url}/admin/inbox`);
    await page.locator('p.gloss').waitFor(TIMEOUT);
    expect(await axeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'console-inbox', 'li.question:nth-child(2)');
    expect(errors).toEqual([]);
  }, 90_000);
});
