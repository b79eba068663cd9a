import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminConsole } from '../../src/admin/setup.js';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { useBrowser } from '../support/browser.js';
import { shipped, testConfig } from '../support/engine.js';
import { WIDGET_DIR } from '../support/global-setup.js';
import { fixtureAccounts } from '../support/staff-accounts.js';
import { useTempDir } from '../support/temp-dir.js';
import { PHONE, TIMEOUT } from '../support/widget-page.js';
import { PASSWORD, STAFF } from './handoff-console-server.js';

/**
 * Both sides of a live handoff at once, wired as main.ts wires them (one desk for the web chat
 * and the console): a person in the widget, in Arabic on a phone, asks for a person and confirms;
 * a counsellor in a second browser sees them arrive in the live queue, claims, replies and inserts
 * an entry's answer; the person sees both, and the end gives them the bot back.
 */

const openPage = useBrowser();
const tempDir = useTempDir();
let app: FastifyInstance | undefined;
let store: Store | undefined;
afterEach(async () => {
  await app?.close();
  await store?.close();
  app = undefined;
  store = undefined;
});

const botMessage = (page: Page, text: string) => page.locator('.message.bot', { hasText: text });
/** What a reader sees of the first line of a Markdown answer (markup and list markers gone). */
const firstWords = (markdown: string, length = 20) =>
  (markdown.split('\n').find((l) => l.trim()) ?? '').replace(/^\s*(?:[-*#>]+|\d+\.)\s+/, '').replace(/[*_`]/g, '').slice(0, length);

describe('a live handoff, the person in the widget and the counsellor in the console', () => {
  it('puts an Arabic request into the live queue, and the counsellor\'s reply, an inserted answer and the end reach the person', async () => {
    const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'h'.repeat(40), HANDOFF_HOURS: 'Sun-Sat 00:00-24:00' });
    const served = await shipped();
    const { locales } = served.engine;
    store = await openStore(config);
    await fixtureAccounts(store).create({ ...STAFF.omid, password: PASSWORD });
    const desk = HandoffDesk.fromConfig(store, config.handoff);
    const webChat = await createWebChat(config, served, store, desk);
    const admin = await createAdminConsole(config, served, webChat.insights, store, undefined, { handoff: desk });
    app = await buildApp({ config, ...served, webChat, admin, store, widgetDir: WIDGET_DIR, logger: false });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });

    // The counsellor (who speaks Farsi and English, not Arabic) opens the queue: now someone is online.
    const staff = await openPage({ locale: 'en-GB' });
    const console_ = staff.page;
    await console_.goto(`${url}/admin/login`);
    await console_.getByLabel('E-mail').fill(STAFF.omid.email);
    await console_.getByLabel('Password').fill(PASSWORD);
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await console_.getByRole('link', { name: 'Live conversations: the queue' }).click();
    await console_.locator('body[data-live="open"]').waitFor(TIMEOUT);

    // The person asks for a person in Arabic and confirms.
    const person = await openPage({ ...PHONE, locale: 'en-GB' });
    const { page } = person;
    await page.goto(url);
    await page.getByRole('button', { name: locales.widget('en').open }).click();
    await page.getByRole('button', { name: 'العربية' }).click();
    await botMessage(page, locales.t('ar', 'bot.languageChanged')).waitFor(TIMEOUT);
    const input = page.getByRole('textbox', { name: locales.widget('ar').input });
    await input.fill(locales.t('ar', 'commands.person'));
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: locales.t('ar', 'handoff.buttonConfirm') }).click();
    await botMessage(page, locales.t('ar', 'handoff.queued', { place: 1 }).slice(0, 30)).waitFor(TIMEOUT);
    await input.fill('هل يمكنني أخذ قطتي معي عند العودة');
    await page.keyboard.press('Enter');

    // The counsellor sees them arrive without reloading, opens the conversation and claims it.
    await console_.getByRole('link', { name: 'Arabic (ar)' }).click();
    await console_.getByRole('button', { name: 'Take this conversation' }).click();
    await console_.getByRole('status').filter({ hasText: 'You have taken this conversation.' }).waitFor(TIMEOUT);
    const log = console_.getByRole('log');
    await log.getByText('هل يمكنني أخذ قطتي معي عند العودة').waitFor(TIMEOUT);
    // Not a language they speak: the matched entry's English question beside it.
    await log.getByText('Closest entry, in English:').waitFor(TIMEOUT);

    await console_.getByLabel('Your reply (the person reads Arabic)').fill('أهلاً، سأساعدك.');
    await console_.getByRole('button', { name: 'Send', exact: true }).click();
    await console_.getByRole('status').filter({ hasText: 'Your reply was sent.' }).waitFor(TIMEOUT);
    await botMessage(page, 'أهلاً، سأساعدك.').waitFor(TIMEOUT);

    await console_.getByLabel("Or send an entry's answer, in Arabic").selectOption('avrr-cost');
    await console_.getByRole('button', { name: 'Send this answer' }).click();
    await console_.getByRole('status').filter({ hasText: "The entry's answer was sent." }).waitFor(TIMEOUT);
    const inserted = firstWords(served.engine.answerEntry('avrr-cost', 'ar')!.answer);
    expect(inserted.trim().length).toBeGreaterThan(10);
    await botMessage(page, inserted).waitFor(TIMEOUT);

    await console_.getByRole('radio', { name: 'answered' }).check();
    await console_.getByRole('button', { name: 'End the conversation' }).click();
    await console_.getByRole('status').filter({ hasText: 'The conversation has ended.' }).waitFor(TIMEOUT);
    await botMessage(page, locales.t('ar', 'handoff.ended')).waitFor(TIMEOUT);
    await botMessage(page, locales.t('ar', 'handoff.helpfulPrompt')).waitFor(TIMEOUT);

    expect(person.errors).toEqual([]);
    expect(staff.errors).toEqual([]);
    // Two browsers, a web chat conversation and a handoff: longer than the default on a shared machine.
  }, 90_000);
});
