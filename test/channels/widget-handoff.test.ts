import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { CounsellorPresence } from '../../src/handoff/counsellor-presence.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { parseWeeklyHours } from '../../src/handoff/opening-hours.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import { useBrowser } from '../support/browser.js';
import { shipped, testConfig } from '../support/engine.js';
import { WIDGET_DIR } from '../support/global-setup.js';
import { useTempDir } from '../support/temp-dir.js';
import { PHONE, TIMEOUT } from '../support/widget-page.js';
import { useClosedAfterEach } from '../support/closed-after-each.js';

/**
 * The person's side of a live handoff in the real widget, in Arabic on a phone: "person" typed,
 * the explanation and *Yes*, a message to the counsellor; the counsellor's reply (made through
 * the desk, as the console does) shows in the widget as it comes; the end gives the bot back with
 * "was this helpful?" buttons.
 */

const always = parseWeeklyHours('Mon-Sun 00:00-24:00');
if ('error' in always) throw new Error(always.error);
const COUNSELLOR = 'ana@iom.example';

const openPage = useBrowser();
const tempDir = useTempDir();
const closing = useClosedAfterEach();

const botMessage = (page: Page, text: string) => page.locator('.message.bot', { hasText: text });

describe('talk to a person in the widget', () => {
  it('asks in Arabic on a phone, confirms, writes, sees the counsellor\'s reply as it comes, and gets the bot back with a helpful prompt', async () => {
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'p'.repeat(40) });
    const served = await shipped();
    const { locales } = served.engine;
    const store = closing(await openStore(config));
    const presence = new CounsellorPresence(store);
    await presence.seen(COUNSELLOR, ['ar']);
    const desk = new HandoffDesk(store, { hours: { weekly: always.value, timeZone: 'Europe/Sofia', holidays: [] }, idleMinutes: 30, retentionDays: 30, presence });
    const webChat = await createWebChat(config, served, store, desk);
    const app = closing(await buildApp({ config, ...served, webChat, store, widgetDir: WIDGET_DIR, logger: false }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });

    const { page, errors } = await openPage({ ...PHONE, locale: 'en-GB' });
    await page.goto(url);
    await page.getByRole('button', { name: locales.widget('en').open }).click();
    await page.getByRole('button', { name: 'العربية' }).click();
    await botMessage(page, locales.t('ar', 'bot.languageChanged')).waitFor(TIMEOUT);
    const input = page.getByRole('textbox', { name: locales.widget('ar').input });

    await input.fill(locales.t('ar', 'commands.person'));
    await page.keyboard.press('Enter');
    await botMessage(page, locales.t('ar', 'handoff.explain', { days: 30 }).slice(0, 40)).waitFor(TIMEOUT);
    await page.getByRole('button', { name: locales.t('ar', 'handoff.buttonConfirm') }).click();
    await botMessage(page, locales.t('ar', 'handoff.queued', { place: 1 }).slice(0, 30)).waitFor(TIMEOUT);

    await input.fill('مرحبا، أريد العودة إلى بلدي');
    await page.keyboard.press('Enter');
    await page.locator('.message.user', { hasText: 'أريد العودة' }).waitFor(TIMEOUT);
    const [handoff] = await desk.queue();
    await expect.poll(async () => (await desk.messagesSince(handoff!.id)).map((m) => m.message.text), TIMEOUT).toEqual(['مرحبا، أريد العودة إلى بلدي']);

    await desk.claim(handoff!.id, COUNSELLOR);
    await desk.reply(handoff!.id, COUNSELLOR, 'أهلاً، أنا آنا. كيف يمكنني مساعدتك؟');
    const reply = botMessage(page, 'كيف يمكنني مساعدتك؟');
    await reply.waitFor(TIMEOUT);
    expect(await reply.textContent()).toContain(locales.t('ar', 'handoff.counsellor'));
    expect(await reply.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');

    await desk.end(handoff!.id, 'answered', COUNSELLOR);
    await botMessage(page, locales.t('ar', 'handoff.ended')).waitFor(TIMEOUT);
    await botMessage(page, locales.t('ar', 'handoff.helpfulPrompt')).waitFor(TIMEOUT);
    await page.getByRole('button', { name: '👍' }).click();
    await botMessage(page, locales.t('ar', 'bot.feedbackThanksUp')).waitFor(TIMEOUT);
    expect(await page.locator('.message.bot', { hasText: 'كيف يمكنني مساعدتك؟' }).count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
