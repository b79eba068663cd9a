import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { useWebChatServer } from '../support/webchat-server.js';
import {
  widgetAxeViolations,
  boxOf,
  focusedInWidget,
  PHONE,
  setBrowserTextSize,
  TIMEOUT,
  useHostSite,
  visualViewportOf,
  wideHostPage,
  within,
} from '../support/widget-page.js';

const serve = useWebChatServer();
const openPage = useBrowser();
const hostSite = useHostSite();

/** The chat server, and another site whose wide page embeds its widget. */
async function serveWithWideHostPage() {
  const site = await hostSite();
  const served = await serve({ WEBCHAT_ALLOWED_ORIGINS: site.origin });
  site.setPage(wideHostPage(served.url));
  return { ...served, hostUrl: `${site.origin}/` };
}

const botMessage = (page: Page, text: string) => page.locator('.message.bot', { hasText: text });

/** Everything in the panel that is drawn outside it sideways ("tag.class right>panel"), screen-reader-only text aside. */
function sidewaysOverflow(page: Page): Promise<string[]> {
  return page.locator('.panel').evaluate((panel) => {
    const bounds = panel.getBoundingClientRect();
    const out: string[] = [];
    for (const el of Array.from(panel.querySelectorAll('*'))) {
      if (el.closest('.sr')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < bounds.left - 0.5 || r.right > bounds.right + 0.5) out.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''} ${Math.round(r.left)}–${Math.round(r.right)}`);
    }
    const frame = panel.querySelector('.frame')!;
    if (frame.scrollWidth > frame.clientWidth) out.push(`frame scrolls sideways: ${frame.scrollWidth} > ${frame.clientWidth}`);
    return out;
  });
}

/** Buttons, fields and the launcher smaller than 44 × 44 CSS pixels, as "name w×h". */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('.rahnama-webchat')!.shadowRoot!;
    const small: string[] = [];
    for (const el of Array.from(root.querySelectorAll<HTMLElement>('button, textarea, select'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.width < 44 || r.height < 44) small.push(`${el.getAttribute('aria-label') ?? el.className ?? el.textContent} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return small;
  });
}

describe('the widget on a phone and with large text', () => {
  it('keeps the launcher and the full-screen panel on screen on a host page that overflows sideways, at 390 × 844', async () => {
    const { hostUrl, locales } = await serveWithWideHostPage();
    const t = locales.widget('en');
    const { page, errors } = await openPage(PHONE);
    await page.goto(hostUrl);
    const launcher = page.getByRole('button', { name: t.open });
    await launcher.waitFor(TIMEOUT);
    // The host page really is wider than the phone, and Chromium widened the layout viewport for it.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeGreaterThan(600);
    expect(await page.evaluate(() => window.innerWidth)).toBeGreaterThan(600);

    const screen = await visualViewportOf(page);
    expect(screen.right - screen.left).toBe(390);
    await expect.poll(async () => within(await boxOf(launcher), screen), TIMEOUT).toBe(true);
    await launcher.click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    expect(await boxOf(page.getByRole('dialog', { name: t.title }))).toEqual(screen);
    expect(within(await boxOf(page.getByRole('textbox', { name: t.input })), screen)).toBe(true);
    expect(within(await boxOf(page.getByRole('button', { name: t.close })), screen)).toBe(true);

    expect(errors).toEqual([]);
  });

  it('keeps the panel over what the person sees when the visual viewport shrinks (zoom, or the on-screen keyboard)', async () => {
    const { url, locales } = await serve();
    const t = locales.widget('en');
    const { page, errors } = await openPage(PHONE);
    await page.goto(url);
    await page.getByRole('button', { name: t.open }).click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setPageScaleFactor', { pageScaleFactor: 2 });
    await expect.poll(async () => (await visualViewportOf(page)).bottom, TIMEOUT).toBe(422);
    const seen = await visualViewportOf(page);
    await expect.poll(() => boxOf(page.getByRole('dialog', { name: t.title })), TIMEOUT).toEqual(seen);
    expect(within(await boxOf(page.getByRole('textbox', { name: t.input })), seen)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('serves a demo page no wider than a phone', async () => {
    const { url, locales } = await serve();
    for (const width of [390, 320]) {
      const { page } = await openPage({ ...PHONE, viewport: { width, height: 700 } });
      await page.goto(url);
      await page.getByRole('button', { name: locales.widget('en').open }).waitFor(TIMEOUT);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${width} px`).toBe(width);
    }
  });

  it('at 360 px with the browser\'s text at 200 %: text grows, buttons wrap, nothing overflows sideways', async () => {
    const { url, locales } = await serve();
    const t = locales.widget('en');
    const { page, errors } = await openPage({ ...PHONE, viewport: { width: 360, height: 740 } });
    await setBrowserTextSize(page, 32);
    await page.goto(url);
    await page.getByRole('button', { name: t.open }).click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    const fontSize = (selector: string) => page.locator(selector).first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(await fontSize('.message.bot')).toBe(32);
    expect(await fontSize('textarea')).toBe(32);
    expect(await fontSize('.suggestions button')).toBe(32);

    // The welcome's buttons take more than one row, each inside the panel.
    const rows = await page.locator('.suggestions button').evaluateAll((buttons) => new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top))).size);
    expect(rows).toBeGreaterThan(1);
    expect(await sidewaysOverflow(page)).toEqual([]);
    // The message field stays in view; the header is a scroll away.
    const screen = await visualViewportOf(page);
    expect(within(await boxOf(page.getByRole('textbox', { name: t.input })), screen)).toBe(true);
    const close = page.getByRole('button', { name: t.close });
    await close.scrollIntoViewIfNeeded();
    expect(within(await boxOf(close), screen)).toBe(true);
    expect(await widgetAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps the close button and the message field reachable at 320 × 256 (WCAG 1.4.10 reflow), also with 200 % text', async () => {
    const { url, locales } = await serve();
    const t = locales.widget('en');
    for (const textSize of [16, 32]) {
      const { page, errors } = await openPage({ viewport: { width: 320, height: 256 } });
      await setBrowserTextSize(page, textSize);
      await page.goto(url);
      await page.getByRole('button', { name: t.open }).click();
      await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
      const screen = await visualViewportOf(page);
      expect(await boxOf(page.locator('.panel')), `${textSize} px`).toEqual(screen);
      expect(await sidewaysOverflow(page), `${textSize} px`).toEqual([]);
      // The message field is in view and works; the close button is a scroll up, and works there.
      const input = page.getByRole('textbox', { name: t.input });
      expect(within(await boxOf(input), screen), `${textSize} px`).toBe(true);
      await input.fill('How much does it cost?');
      await page.keyboard.press('Enter');
      await page.locator('.message.user', { hasText: 'How much does it cost?' }).waitFor(TIMEOUT);
      expect(within(await boxOf(input), screen), `${textSize} px`).toBe(true);
      const close = page.getByRole('button', { name: t.close });
      await page.locator('.frame').evaluate((frame) => frame.scrollTo(0, 0));
      expect(within(await boxOf(close), screen), `${textSize} px`).toBe(true);
      await close.click();
      await expect.poll(() => page.locator('.panel').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    }
  });

  it('is a modal dialog while it covers a phone: aria-modal, the page inert, focus kept inside and given back on close', async () => {
    const { hostUrl, locales } = await serveWithWideHostPage();
    const t = locales.widget('en');
    const { page, errors } = await openPage(PHONE);
    await page.goto(hostUrl);
    const launcher = page.getByRole('button', { name: t.open });
    await launcher.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: t.title });
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await page.locator('main').getAttribute('inert')).toBe('');
    // Tab and Shift+Tab go round the panel's controls, never to the page's link under it.
    const visited = new Set<string>();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      visited.add(await focusedInWidget(page));
    }
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Shift+Tab');
      visited.add(await focusedInWidget(page));
    }
    expect([...visited].filter((v) => v.startsWith('page'))).toEqual([]);
    expect(visited).toContain('close');
    expect(visited).toContain('send');
    expect(await widgetAxeViolations(page)).toEqual([]);

    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isHidden()).toBe(true);
    expect(await page.locator('main').getAttribute('inert')).toBeNull();
    expect(await page.locator('#host-inert').getAttribute('inert')).toBe('');
    expect(await focusedInWidget(page)).toBe('launcher');
    await page.locator('#host-link').focus();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('host-link');
    expect(errors).toEqual([]);
  });

  it('is not modal where it floats in a corner of a large screen', async () => {
    const { hostUrl, locales } = await serveWithWideHostPage();
    const t = locales.widget('en');
    const { page } = await openPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(hostUrl);
    await page.getByRole('button', { name: t.open }).click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    expect(await page.getByRole('dialog', { name: t.title }).getAttribute('aria-modal')).toBeNull();
    expect(await page.locator('main').getAttribute('inert')).toBeNull();
    const panel = await boxOf(page.locator('.panel'));
    expect(panel.right - panel.left).toBe(400);
  });

  it('changes the language only when one is chosen: arrow keys and Tab move through the list without switching', async () => {
    const { url, locales } = await serve();
    const t = locales.widget('en');
    const { page, errors } = await openPage(PHONE);
    await page.goto(url);
    await page.getByRole('button', { name: t.open }).click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    const messages = await page.locator('.message').count();

    const languageButton = page.getByRole('button', { name: `${t.language} English` });
    await languageButton.focus();
    await page.keyboard.press('Enter');
    expect(await languageButton.getAttribute('aria-expanded')).toBe('true');
    const list = page.getByRole('group', { name: t.language });
    expect(await list.getByRole('button').count()).toBe(11);
    expect(await page.evaluate(() => document.querySelector('.rahnama-webchat')!.shadowRoot!.activeElement?.getAttribute('aria-current'))).toBe('true');
    for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowUp', 'Tab', 'Tab', 'End', 'Home']) await page.keyboard.press(key);
    await page.waitForTimeout(300);
    expect(await page.locator('.frame').getAttribute('lang')).toBe('en');
    expect(await page.locator('.message').count()).toBe(messages);
    expect(await widgetAxeViolations(page)).toEqual([]);

    // Escape closes the list, not the chat.
    await page.keyboard.press('Escape');
    expect(await list.isHidden()).toBe(true);
    expect(await page.getByRole('dialog').isVisible()).toBe(true);

    await languageButton.click();
    await list.getByRole('button', { name: 'Русский' }).focus();
    await page.keyboard.press('Enter');
    await botMessage(page, locales.t('ru', 'bot.languageChanged')).waitFor(TIMEOUT);
    expect(await page.locator('.frame').getAttribute('lang')).toBe('ru');
    // The choice shows as the person's own message.
    expect(await page.locator('.message.user').last().textContent()).toContain('Русский');
    expect(await list.isHidden()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('has targets of at least 44 × 44 px, on a 320 px phone and on a desktop', async () => {
    const { url, locales } = await serve();
    const t = locales.widget('en');
    for (const options of [{ ...PHONE, viewport: { width: 320, height: 640 } }, { viewport: { width: 1280, height: 800 } }]) {
      const { page } = await openPage(options);
      await page.goto(url);
      const launcher = page.getByRole('button', { name: t.open });
      await launcher.waitFor(TIMEOUT);
      expect(await smallTargets(page), 'closed').toEqual([]);
      await launcher.click();
      await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
      await page.getByRole('button', { name: `${t.language} English` }).click();
      expect(await smallTargets(page), `${options.viewport?.width} px`).toEqual([]);
    }
  });
});
