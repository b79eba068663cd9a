import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { shippedKnowledge } from '../support/engine.js';
import type { MemoryConversationLog } from '../../src/channels/webchat/conversations.js';
import { useWebChatServer } from '../support/webchat-server.js';
import { widgetAxeViolations } from '../support/widget-page.js';

const serve = useWebChatServer();
const openPage = useBrowser();

/** What a reader sees of the first line of a Markdown answer (markup and list markers gone). */
function firstWords(markdown: string, length = 25): string {
  const line = markdown.split('\n').find((l) => l.trim()) ?? '';
  return line.replace(/^\s*(?:[-*]|\d+\.)\s+/, '').replace(/[*_`]/g, '').slice(0, length);
}

const botMessage = (page: Page, text: string) => page.locator('.message.bot', { hasText: text });
const direction = (page: Page, text: string) => botMessage(page, text).last().evaluate((el) => getComputedStyle(el).direction);
const TIMEOUT = { timeout: 10_000 };

describe('the web chat widget in a real browser', () => {
  it('chats in Arabic: the answer right-to-left, a suggestion, feedback, and the same conversation after a reload', async () => {
    const { url, webChat, engine, knowledge, locales } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await page.goto(url);

    await page.getByRole('button', { name: locales.widget('en').open }).click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    expect(await page.locator('#rahnama-input').evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);

    // Arabic, chosen with the bot's own language button: the bot and the whole panel switch.
    await page.getByRole('button', { name: 'العربية' }).click();
    await botMessage(page, locales.t('ar', 'bot.languageChanged')).waitFor(TIMEOUT);
    await expect.poll(() => page.locator('.frame').getAttribute('dir')).toBe('rtl');
    await page.getByRole('textbox', { name: locales.widget('ar').input }).waitFor(TIMEOUT);

    const question = knowledge.entries.get('avrr-how-to-apply')!.languages.ar.variants[0]!;
    const answer = await engine.ask({ text: question, lang: 'ar' });
    expect(answer.entryId).toBe('avrr-how-to-apply');
    await page.getByRole('textbox', { name: locales.widget('ar').input }).fill(question);
    await page.keyboard.press('Enter');
    await botMessage(page, firstWords(answer.answer)).waitFor(TIMEOUT);
    expect(await direction(page, firstWords(answer.answer))).toBe('rtl');
    expect(await botMessage(page, firstWords(answer.answer)).getAttribute('lang')).toBe('ar');

    // A related question, then feedback on its answer.
    const relatedId = knowledge.entries.get('avrr-how-to-apply')!.related![0]!;
    const related = knowledge.entries.get(relatedId)!.languages.ar;
    await page.getByRole('button', { name: related.question }).click();
    const relatedAnswer = await engine.ask({ text: related.question, lang: 'ar' });
    await botMessage(page, firstWords(relatedAnswer.answer)).waitFor(TIMEOUT);
    await page.getByRole('button', { name: '👍' }).click();
    await botMessage(page, locales.t('ar', 'bot.feedbackThanksUp')).waitFor(TIMEOUT);
    expect(await webChat.insights.feedback()).toEqual([{ entryId: relatedId, helpful: true, lang: 'ar', at: expect.any(String) }]);

    // A reload resumes the conversation: open, in Arabic, every message once.
    await page.reload();
    await botMessage(page, locales.t('ar', 'bot.feedbackThanksUp')).waitFor(TIMEOUT);
    expect(await page.locator('.message.user', { hasText: question }).count()).toBe(1);
    expect(await botMessage(page, firstWords(answer.answer)).count()).toBe(1);
    expect(await page.locator('.frame').getAttribute('dir')).toBe('rtl');
    expect((webChat.conversations as MemoryConversationLog).size).toBe(1);
    expect(errors).toEqual([]);
  });

  it('can be used with the keyboard alone, with names for every control and announcements for new messages', async () => {
    const { url, locales } = await serve();
    const { page, errors } = await openPage({ locale: 'fr-FR' });
    await page.goto(url);
    const t = locales.widget('fr');
    const launcher = page.getByRole('button', { name: t.open });
    await launcher.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: t.title }).waitFor(TIMEOUT);
    await botMessage(page, locales.t('fr', 'bot.welcome')).waitFor(TIMEOUT);
    expect(await page.getByRole('log').count()).toBe(1);
    expect(await page.getByRole('status').count()).toBe(1);
    expect(await page.getByRole('button', { name: `${t.language} Français` }).getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('button', { name: t.close }).count()).toBe(1);
    expect(await page.getByRole('button', { name: t.send }).count()).toBe(1);
    // Each message starts with who said it, for screen readers.
    expect(await page.locator('.message.bot .sr').first().textContent()).toBe(t.bot);

    await page.keyboard.type('Combien coûte le retour ?');
    await page.keyboard.press('Enter');
    await page.locator('.message.user', { hasText: 'Combien coûte le retour' }).waitFor(TIMEOUT);
    await expect.poll(() => page.locator('.message.bot').count(), TIMEOUT).toBeGreaterThan(3);

    await page.keyboard.press('Escape');
    expect(await page.locator('.panel').isHidden()).toBe(true);
    expect(await launcher.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('says when it is offline, keeps a message written meanwhile, and sends it once the connection is back', async () => {
    const { url, locales } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/stream/, (socket) => {
      socket.connectToServer();
      sockets.push(socket);
    });
    await page.goto(url);
    await page.getByRole('button', { name: locales.widget('en').open }).click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);

    await page.context().setOffline(true);
    await expect.poll(() => page.getByRole('status').textContent(), TIMEOUT).toBe(locales.widget('en').offline);
    await page.getByRole('textbox').fill('How much does voluntary return cost?');
    await page.keyboard.press('Enter');
    // The stream is cut too, as a network loss would (through Playwright's WebSocket routing).
    for (const socket of sockets) await socket.close();

    await page.context().setOffline(false);
    const cost = (await shippedKnowledge()).entries.get('avrr-cost')!.languages.en.answer;
    await botMessage(page, firstWords(cost)).waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByRole('status').textContent(), TIMEOUT).toBe('');
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(e))).toEqual([]);
  });

  it('starts an empty conversation when asked, so the next person on a shared phone sees nothing of the last', async () => {
    const { url, webChat, locales } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB' });
    await page.goto(url);
    await page.getByRole('button', { name: locales.widget('en').open }).click();
    await page.getByRole('textbox').fill('my private question about asylum');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.message.bot').count(), TIMEOUT).toBeGreaterThan(2);
    const first = await page.evaluate(() => Object.entries(sessionStorage).find(([k]) => k.endsWith('/'))?.[1]);

    await page.getByRole('button', { name: locales.widget('en').newConversation }).click();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    expect(await page.locator('.message', { hasText: 'my private question' }).count()).toBe(0);
    await page.reload();
    await botMessage(page, locales.t('en', 'bot.welcome')).waitFor(TIMEOUT);
    expect(await page.locator('.message', { hasText: 'my private question' }).count()).toBe(0);
    const second = await page.evaluate(() => Object.entries(sessionStorage).find(([k]) => k.endsWith('/'))?.[1]);
    expect(JSON.parse(second!).conversationId).not.toBe(JSON.parse(first!).conversationId);
    expect((webChat.conversations as MemoryConversationLog).size).toBe(2);
    expect(errors).toEqual([]);
  });

  it('passes axe-core\'s WCAG 2.1 A and AA checks, closed and open, left-to-right and right-to-left', async () => {
    const { url, locales } = await serve();
    for (const locale of ['en-GB', 'ar-EG']) {
      const { page } = await openPage({ locale });
      await page.goto(url);
      const lang = locale.slice(0, 2) as 'en' | 'ar';
      await page.getByRole('button', { name: locales.widget(lang).open }).waitFor(TIMEOUT);
      expect(await widgetAxeViolations(page), `${locale}, closed`).toEqual([]);
      await page.getByRole('button', { name: locales.widget(lang).open }).click();
      await botMessage(page, locales.t(lang, 'bot.welcome')).waitFor(TIMEOUT);
      await page.getByRole('textbox').fill(lang === 'en' ? 'How much does it cost?' : 'كم تكلفة العودة؟');
      await page.keyboard.press('Enter');
      await page.locator('.message.user ~ .message.bot').first().waitFor(TIMEOUT);
      expect(await widgetAxeViolations(page), `${locale}, open with an answer`).toEqual([]);
    }
  });
});
