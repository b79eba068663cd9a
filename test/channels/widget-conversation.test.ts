import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { flowPaths } from '../../src/knowledge/flow.js';
import type { Lang } from '../../src/languages.js';
import { useBrowser } from '../support/browser.js';
import { useWebChatServer } from '../support/webchat-server.js';
import { widgetAxeViolations, boxOf, PHONE, saveScreenshot, TIMEOUT, within } from '../support/widget-page.js';

const serve = useWebChatServer();
const openPage = useBrowser();

/** True when the top line of `message` is inside the part of the log the person sees. */
async function topInView(page: Page, message: Locator): Promise<boolean> {
  const log = await boxOf(page.getByRole('log'));
  const box = await boxOf(message);
  return within({ ...box, bottom: Math.min(box.bottom, box.top + 20) }, log);
}

/** True when the top line of the bot's first reply to the person's last message is in view. */
function firstReplyInView(page: Page): Promise<boolean> {
  return page.getByRole('log').evaluate((log) => {
    const said = log.querySelectorAll('.message.user');
    let reply = said[said.length - 1]?.nextElementSibling;
    while (reply && !reply.classList.contains('bot')) reply = reply.nextElementSibling;
    if (!reply) return false;
    const seen = log.getBoundingClientRect();
    const top = reply.getBoundingClientRect().top;
    return top >= seen.top - 0.5 && top + 20 <= seen.bottom + 0.5;
  });
}

describe('the conversation in the widget on a phone', () => {
  it('shows each pressed option as the person\'s message and brings the next question and the outcome into view, also after a reload', async () => {
    const { url, engine, knowledge } = await serve();
    const flow = knowledge.flows.get('eligibility')!;
    const { page, errors } = await openPage({ ...PHONE, locale: 'en-GB' });
    await page.goto(url);
    await page.getByRole('button', { name: engine.locales.widget('en').open }).click();
    await page.getByRole('button', { name: flow.title.en }).click();
    expect(await page.locator('.message.user').last().textContent()).toContain(flow.title.en);

    const path = flowPaths(flow).reduce((longest, p) => (p.answers.length > longest.answers.length ? p : longest));
    const labels: string[] = [];
    for (const [i, answer] of path.answers.entries()) {
      const question = page.locator('.message.bot', { hasText: flow.steps[answer.step]!.ask.en }).last();
      await question.waitFor(TIMEOUT);
      await expect.poll(() => topInView(page, question), TIMEOUT).toBe(true);
      if (i === 2) await saveScreenshot(page, 'widget-check');
      const label = flow.steps[answer.step]!.options.find((o) => o.id === answer.option)!.label.en;
      labels.push(label);
      await page.getByRole('button', { name: label, exact: true }).click();
      // The choice is the person's own message, in the conversation where it was made.
      await expect.poll(() => page.locator('.message.user').last().textContent(), TIMEOUT).toContain(label);
    }
    const outcome = page.locator('.message.bot', { hasText: flow.closing.en.slice(0, 30) });
    await outcome.waitFor(TIMEOUT);
    await expect.poll(() => topInView(page, outcome), TIMEOUT).toBe(true);

    // The server keeps only the buttons' values: this tab remembers what the person saw.
    await page.reload();
    await outcome.waitFor(TIMEOUT);
    const said = await page.locator('.message.user').allTextContents();
    for (const label of [flow.title.en, ...labels]) expect(said.filter((s) => s.includes(label)), label).toHaveLength(1);
    expect(said.filter((s) => /check:|lang:|entry:/.test(s))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('follows new messages, unless the person has scrolled up: then a "new messages" button appears and takes them there', async () => {
    const { url, engine, locales } = await serve();
    const t = locales.widget('en');
    const { page, errors } = await openPage({ ...PHONE, locale: 'en-GB' });
    // The bot's messages reach the page only when the test lets them through.
    let hold = false;
    const held: { text: string; send: () => void }[] = [];
    await page.routeWebSocket(/\/stream/, (socket) => {
      const server = socket.connectToServer();
      server.onMessage((message) => (hold ? held.push({ text: String(message), send: () => socket.send(message) }) : socket.send(message)));
    });
    await page.goto(url);
    await page.getByRole('button', { name: t.open }).click();
    await page.locator('.suggestions button').first().waitFor(TIMEOUT);
    await page.getByRole('textbox', { name: t.input }).fill('How much does voluntary return cost?');
    await page.keyboard.press('Enter');
    const cost = await engine.ask({ text: 'How much does voluntary return cost?', lang: 'en' });
    const answer = page.locator('.message.bot', { hasText: cost.answer.split('\n')[0]!.replace(/[*_]/g, '').slice(0, 30) });
    await answer.waitFor(TIMEOUT);
    // Typed: the answer's start is in view.
    await expect.poll(() => topInView(page, answer), TIMEOUT).toBe(true);
    await saveScreenshot(page, 'widget-phone');

    // Pressed while the bot's reply is held back; then the person scrolls up to read.
    hold = true;
    const related = page.locator('.suggestions button').filter({ hasNotText: /👍|👎/ }).first();
    const relatedTitle = (await related.textContent())!;
    await related.click();
    await expect.poll(() => page.locator('.message.user').last().textContent(), TIMEOUT).toContain(relatedTitle);
    // The bot's whole reply has come and is held, down to its last message, the one with the
    // "was this helpful?" buttons (none of it still on its way, to arrive after the release).
    await expect.poll(() => held.some((m) => m.text.includes('"fb:up:')), TIMEOUT).toBe(true);
    await expect.poll(() => topInView(page, page.locator('.message.user').last()), TIMEOUT).toBe(true);
    // Scrolled up, and the widget has seen it: its own scroll listener ran before this one.
    await page.getByRole('log').evaluate((log) => new Promise<void>((resolve) => {
      log.addEventListener('scroll', () => resolve(), { once: true });
      log.scrollTo(0, 0);
    }));
    const newMessages = page.getByRole('button', { name: t.newMessages });
    expect(await newMessages.isVisible()).toBe(false);

    hold = false;
    for (const { send } of held.splice(0)) send();
    await expect.poll(() => newMessages.isVisible(), TIMEOUT).toBe(true);
    // Where the person was reading, nothing moved.
    expect(await page.getByRole('log').evaluate((log) => log.scrollTop)).toBe(0);
    expect(await widgetAxeViolations(page)).toEqual([]);

    expect(await firstReplyInView(page)).toBe(false);
    await newMessages.click();
    await expect.poll(() => newMessages.isVisible(), TIMEOUT).toBe(false);
    await expect.poll(() => firstReplyInView(page), TIMEOUT).toBe(true);
    expect(errors).toEqual([]);
  });

  it.each([
    ['ar', 'ar-EG'],
    ['fa', 'fa-IR'],
    ['ps', 'ps-AF'],
  ] as const)('lays out the phone number and address left to right in a %s answer', async (lang: Lang, locale) => {
    const { url, engine, knowledge, locales } = await serve();
    const { page, errors } = await openPage({ ...PHONE, locale });
    await page.goto(url);
    await page.getByRole('button', { name: locales.widget(lang).open }).click();
    await page.locator('.suggestions button').first().waitFor(TIMEOUT);
    const question = knowledge.entries.get('contact-iom')!.languages[lang].question;
    expect((await engine.ask({ text: question, lang })).entryId).toBe('contact-iom');
    await page.getByRole('textbox', { name: locales.widget(lang).input }).fill(question);
    await page.keyboard.press('Enter');
    const phone = page.locator('.message.bot a[href^="tel:"]', { hasText: '+359 2 93 94 774' });
    await phone.waitFor(TIMEOUT);
    const layout = await phone.evaluate((link) => {
      const text = link.firstChild!;
      const x = (offset: number) => {
        const range = document.createRange();
        range.setStart(text, offset);
        range.setEnd(text, offset + 1);
        return range.getBoundingClientRect().left;
      };
      const style = getComputedStyle(link);
      const message = link.closest('.message')!;
      return { message: getComputedStyle(message).direction, direction: style.direction, unicodeBidi: style.unicodeBidi, plusLeftOfLastDigit: x(0) < x(text.textContent!.length - 1) };
    });
    expect(layout).toEqual({ message: 'rtl', direction: 'ltr', unicodeBidi: 'isolate', plusLeftOfLastDigit: true });
    // The office's address (Cyrillic with a Latin spelling) is one left-to-right isolate too.
    const address = page.locator('.message.bot bdi[dir="ltr"]', { hasText: 'Tzar Asen' });
    expect(await address.textContent()).toMatch(/^ул\. „Цар Асен“ 77, София \(77 Tzar Asen Street, Sofia\)$/);
    if (lang === 'ar') await saveScreenshot(page, 'widget-arabic');
    expect(errors).toEqual([]);
  });
});
