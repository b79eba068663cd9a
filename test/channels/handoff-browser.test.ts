import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { COUNSELLOR, useHandoffServer } from '../support/handoff-server.js';
import { ROOT } from '../support/paths.js';
import { boxOf, TIMEOUT, visualViewportOf, within } from '../support/widget-page.js';

/**
 * Issue 17's browser test, both sides at once on one server wired as main.ts wires it (the web
 * chat and the console sharing one HandoffDesk): a person on a small phone whose browser is in
 * Arabic asks for a person in the widget and confirms; a counsellor who speaks only English, in a
 * second browser context, sees them arrive in the live queue without reloading, claims, replies
 * and inserts an entry's answer in Arabic; the person sees both, and the end gives them the bot.
 */

const serve = useHandoffServer();
const openPage = useBrowser();
/** A small Android phone (CSS pixels). */
const SMALL_PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const ARTIFACTS_DIR = path.join(ROOT, 'test/artifacts');

const botMessage = (page: Page, text: string) => page.locator('.message.bot', { hasText: text });
/** What a reader sees of the first line of a Markdown answer (markup and list markers gone). */
const firstWords = (markdown: string, length = 25) =>
  (markdown.split('\n').find((l) => l.trim()) ?? '').replace(/^\s*(?:[-*#>]+|\d+\.)\s+/, '').replace(/[*_`]/g, '').slice(0, length);
/** The person's phone screen at a moment of the conversation, for a reviewer to look at (test/artifacts/ is not committed). */
async function screenshot(page: Page, moment: string): Promise<void> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `handoff-browser-${moment}.png`) });
}

describe('a live handoff between the widget on a phone and the console', () => {
  it('brings an Arabic request to an English-only counsellor live, delivers their reply and an inserted Arabic answer to the phone, and gives the person the bot back when it ends', async () => {
    const { url, engine, knowledge, locales } = await serve();
    const t = (key: string, options?: Record<string, unknown>) => locales.t('ar', key, options);

    // The counsellor signs in and opens the live queue: the open event stream marks them online.
    const staff = await openPage({ locale: 'en-GB' });
    const desk = staff.page;
    await desk.goto(`${url}/admin/login`);
    await desk.getByLabel('E-mail').fill(COUNSELLOR.email);
    await desk.getByLabel('Password').fill(COUNSELLOR.password);
    await desk.getByRole('button', { name: 'Sign in' }).click();
    await desk.getByRole('link', { name: 'Live conversations: the queue' }).click();
    await desk.locator('body[data-live="open"]').waitFor(TIMEOUT);
    await desk.getByText('Nobody is waiting.').waitFor(TIMEOUT);

    // The person's phone is in Arabic: the widget opens in Arabic, right to left.
    const person = await openPage({ ...SMALL_PHONE, locale: 'ar-EG' });
    const phone = person.page;
    await phone.goto(url);
    await phone.getByRole('button', { name: locales.widget('ar').open }).click();
    await botMessage(phone, t('bot.welcome')).waitFor(TIMEOUT);
    const input = phone.getByRole('textbox', { name: locales.widget('ar').input });

    // First a question the bot answers, as people do before asking for a person.
    const question = 'هل العودة الطوعية تكلفني مال؟';
    const asked = await engine.ask({ text: question, lang: 'ar' });
    expect([asked.kind, asked.entryId]).toEqual(['answer', 'avrr-cost']);
    await input.fill(question);
    await phone.keyboard.press('Enter');
    const costAnswer = botMessage(phone, firstWords(asked.answer));
    await costAnswer.waitFor(TIMEOUT);
    expect(await costAnswer.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');

    // "Talk to a person", what will happen, and yes.
    await phone.getByRole('button', { name: t('bot.buttonTalkToPerson') }).last().click();
    const explained = botMessage(phone, t('handoff.explain', { days: 30 }).slice(0, 40));
    await explained.waitFor(TIMEOUT);
    // The command it names reads "/forget", not "forget/", inside the right-to-left text.
    expect(await explained.locator('bdi', { hasText: 'forget' }).textContent()).toBe('/forget');
    await phone.getByRole('button', { name: t('handoff.buttonConfirm') }).click();
    await botMessage(phone, t('handoff.queued', { place: 1 }).slice(0, 30)).waitFor(TIMEOUT);
    await input.fill('مرحبا، أريد أن أعرف هل يمكن لعائلتي أن تعود معي');
    await phone.keyboard.press('Enter');
    await phone.locator('.message.user', { hasText: 'هل يمكن لعائلتي' }).waitFor(TIMEOUT);
    await screenshot(phone, '1-queued');

    // The queue shows them without a reload: Arabic, web chat, the bot's last answer; not a language the counsellor speaks.
    const row = desk.locator('li[data-handoff]', { hasText: 'Arabic (ar)' });
    await row.waitFor(TIMEOUT);
    expect(await row.textContent()).toContain('avrr-cost');
    expect(await row.textContent()).not.toContain('you speak it');
    await row.getByRole('link', { name: 'Arabic (ar)' }).click();
    await desk.getByRole('button', { name: 'Take this conversation' }).click();
    await desk.getByRole('status').filter({ hasText: 'You have taken this conversation.' }).waitFor(TIMEOUT);
    const log = desk.getByRole('log');
    await log.getByText('هل يمكن لعائلتي أن تعود معي').waitFor(TIMEOUT);
    // The English gloss of the entry the bot answered, for a counsellor without Arabic.
    await desk.getByText(knowledge.entries.get('avrr-cost')!.languages.en!.question).first().waitFor(TIMEOUT);

    // A typed reply.
    const reply = 'أهلاً، أنا لينا من المنظمة الدولية للهجرة. سأساعدك.';
    await desk.getByLabel('Your reply (the person reads Arabic)').fill(reply);
    await desk.getByRole('button', { name: 'Send', exact: true }).click();
    await desk.getByRole('status').filter({ hasText: 'Your reply was sent.' }).waitFor(TIMEOUT);
    const replyOnPhone = botMessage(phone, 'سأساعدك');
    await replyOnPhone.waitFor(TIMEOUT);
    expect(await replyOnPhone.textContent()).toContain(t('handoff.counsellor'));

    // "Insert answer": the family entry's answer, in Arabic, as the bot would give it.
    const family = engine.answerEntry('avrr-family', 'ar')!;
    expect(family.lang).toBe('ar');
    await desk.getByLabel("Or send an entry's answer, in Arabic").selectOption('avrr-family');
    await desk.getByRole('button', { name: 'Send this answer' }).click();
    await desk.getByRole('status').filter({ hasText: "The entry's answer was sent." }).waitFor(TIMEOUT);
    const inserted = botMessage(phone, firstWords(family.answer));
    await inserted.waitFor(TIMEOUT);
    expect(await inserted.textContent()).toContain(t('handoff.counsellor'));
    expect(await inserted.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
    await screenshot(phone, '2-counsellor-replies');
    await desk.screenshot({ path: path.join(ARTIFACTS_DIR, 'handoff-browser-console.png'), fullPage: true });

    // The end, as answered: the person is told, asked whether it helped, and the bot answers again.
    await desk.getByRole('radio', { name: 'answered' }).check();
    await desk.getByRole('button', { name: 'End the conversation' }).click();
    await desk.getByRole('status').filter({ hasText: 'The conversation has ended.' }).waitFor(TIMEOUT);
    await botMessage(phone, t('handoff.ended')).waitFor(TIMEOUT);
    const prompt = botMessage(phone, t('handoff.helpfulPrompt'));
    await prompt.waitFor(TIMEOUT);
    // The person was reading the counsellor's long answer from its start, so the end waits below
    // it, behind the "new messages" button; a tap brings it into view.
    await phone.getByRole('button', { name: locales.widget('ar').newMessages }).click();
    await expect.poll(async () => within(await boxOf(prompt), await visualViewportOf(phone)), TIMEOUT).toBe(true);
    await screenshot(phone, '3-ended');
    await phone.getByRole('button', { name: '👍' }).last().click();
    await botMessage(phone, t('bot.feedbackThanksUp')).waitFor(TIMEOUT);

    const next = 'ما المساعدة التي أحصل عليها بعد وصولي إلى بلدي؟';
    const nextAsked = await engine.ask({ text: next, lang: 'ar' });
    expect(nextAsked.kind).toBe('answer');
    await input.fill(next);
    await phone.keyboard.press('Enter');
    const botAgain = botMessage(phone, firstWords(nextAsked.answer));
    await botAgain.waitFor(TIMEOUT);
    // The bot's own answer this time, not labelled as the counsellor's.
    expect(await botAgain.last().textContent()).not.toContain(t('handoff.counsellor'));
    await screenshot(phone, '4-bot-again');

    // Nothing on the phone is wider than the screen, and no script or CSP error on either side.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(person.errors).toEqual([]);
    expect(staff.errors).toEqual([]);
    // Two browsers and a whole conversation on a shared machine: longer than the default.
  }, 90_000);
});
