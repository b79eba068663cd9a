import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { InsightsStore } from '../../src/storage/insights-store.js';
import { useBrowser } from '../support/browser.js';
import { axeViolations } from '../support/axe.js';
import { signInOnPage, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };
/** The narrowest width WCAG 1.4.10 (reflow) asks content to work at. */
const NARROW = { width: 320, height: 640 };



/** How far the page itself scrolls sideways (0: it reflows into the window). */
const pageOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * Every table on the page, and whether it sits in a scroll box of its own: a focusable,
 * named region no wider than the window, which scrolls (or fits) where the table is wider.
 */
const tableBoxes = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('table')].map((table) => {
      const box = table.closest<HTMLElement>('.table-scroll');
      return {
        table: table.querySelector('th')?.textContent?.trim() ?? '',
        inBox: box !== null,
        focusable: box?.tabIndex === 0,
        region: box?.getAttribute('role') === 'region' && (box.getAttribute('aria-label') ?? '').length > 0,
        fitsWindow: box ? box.getBoundingClientRect().right <= document.documentElement.clientWidth : false,
        scrollsItsOwn: box ? box.scrollWidth <= box.clientWidth || getComputedStyle(box).overflowX === 'auto' : false,
      };
    }),
  );

/** A few days of questions in several channels and languages, so that the dashboard's tables have rows. */
async function seedDashboard(insights: InsightsStore): Promise<void> {
  const today = new Date();
  for (const [channel, lang, kind, entryId] of [
    ['webchat', 'en', 'answer', 'stay-legally-options'],
    ['telegram', 'fa', 'fallback', null],
    ['webchat', 'ar', 'answer', 'avrr-cost'],
    ['telegram', 'ps', 'answer', 'reintegration-business'],
  ] as const) {
    await insights.countQuestion({ channel, lang, kind, entryId, firstOfDay: true }, today);
  }
  await insights.recordFeedback({ entryId: 'avrr-cost', helpful: true, lang: 'ar' }, today);
  await insights.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'fa' }, today);
}

describe('the console at 320 px wide', () => {
  it('never scrolls the entry list, the dashboard or the entry editor sideways: wide tables scroll in their own focusable box, and axe-core finds no violation', async () => {
    const { url, insights } = await serve();
    await seedDashboard(insights);
    const { page, errors } = await openPage({ locale: 'en-GB', viewport: NARROW });
    await signInOnPage(page, url);
    expect(await pageOverflow(page)).toBe(0);

    const editors = ['/admin/entries/stay-legally-options?view=fa', '/admin/entries/stay-legally-options?view=all', '/admin/entries/new'];
    for (const path of ['/admin/entries', '/admin/dashboard?days=30', ...editors]) {
      await page.goto(`${url}${path}`);
      // The dashboard's per-day numbers are folded away: open them, they are the widest table.
      for (const summary of await page.locator('details:not([open]) > summary').all()) await summary.click();
      expect({ path, overflow: await pageOverflow(page) }).toEqual({ path, overflow: 0 });
      const tables = await tableBoxes(page);
      if (!editors.includes(path)) expect(tables.length).toBeGreaterThan(0);
      for (const table of tables) expect(table).toEqual({ table: table.table, inBox: true, focusable: true, region: true, fitsWindow: true, scrollsItsOwn: true });
      expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
    }
    // The widest table really is wider than the window: it scrolls in its box, by keyboard too.
    await page.goto(`${url}/admin/dashboard?days=30`);
    await page.locator('details > summary').first().click();
    const box = page.locator('.table-scroll', { has: page.locator('th', { hasText: 'Day' }) });
    expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await box.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => box.evaluate((el) => el.scrollLeft), TIMEOUT).toBeGreaterThan(0);
    expect(await pageOverflow(page)).toBe(0);
    expect(errors).toEqual([]);
  }, 90_000);

  it('after a refused publish, focuses the first invalid field, marked aria-invalid and described by the error that names the problem', async () => {
    const { url } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB', viewport: NARROW });
    await signInOnPage(page, url);
    await page.goto(`${url}/admin/entries/avrr-cost?view=fa`);
    await page.locator('fieldset[lang="fa"]').getByLabel('Answer (Markdown)').fill('هزینه را مشاور توضیح می‌دهد. <img src=x>');
    await page.locator('fieldset[lang="en"]').getByLabel('Answer (Markdown)').fill('A counsellor explains the costs. <img src=x>');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('alert').first().waitFor(TIMEOUT);

    // English comes first in the form, so its answer is the first invalid field.
    const focused = await page.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true' && document.activeElement, undefined, TIMEOUT).then((handle) => handle.asElement()!);
    expect(await focused.getAttribute('id')).toBe('languages.en.answer');
    const described = await page.evaluate(() => {
      const field = document.activeElement!;
      return (field.getAttribute('aria-describedby') ?? '').split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? `missing #${id}`);
    });
    expect(described.join(' ')).toMatch(/raw HTML \(<img/);
    // The Farsi answer is invalid too, and says so in the same way; valid fields are not marked.
    const farsi = page.locator('fieldset[lang="fa"]').getByLabel('Answer (Markdown)');
    expect(await farsi.getAttribute('aria-invalid')).toBe('true');
    expect(await farsi.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent)).toMatch(/raw HTML/);
    expect(await page.locator('fieldset[lang="en"]').getByLabel('Question', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(2);

    expect(await pageOverflow(page)).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    // The refusal itself is the only error the browser reports (its 422), no script or CSP error.
    expect(errors).toEqual([expect.stringContaining('status of 422')]);
  }, 90_000);
});
