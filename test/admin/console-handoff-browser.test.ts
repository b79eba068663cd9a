import { describe, expect, it } from 'vitest';
import { axeViolations } from '../support/axe.js';
import { useBrowser } from '../support/browser.js';
import { PASSWORD, STAFF, useHandoffConsole } from './handoff-console-server.js';

const serve = useHandoffConsole();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

describe('live conversations in a real browser', () => {
  it('show a new request, the person\'s messages and a hand-over on a phone without reload, send the counsellor\'s reply, and pass axe-core\'s WCAG 2.1 AA rules', async () => {
    const { url, desk } = await serve();
    const { page, errors } = await openPage({ locale: 'en-GB', ...PHONE });
    await page.goto(`${url}/admin/login`);
    await page.getByLabel('E-mail').fill(STAFF.sara.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Live conversations: the queue' }).click();
    await page.locator('body[data-live="open"]').waitFor(TIMEOUT);
    await page.getByText('Nobody is waiting.').waitFor(TIMEOUT);

    // The person confirms on their channel: the queue shows them without a reload.
    const { handoff } = await desk.request({ person: 'p1', channel: 'webchat', language: 'ar', recentEntryIds: ['avrr-cost'] });
    await desk.personWrites('p1', 'مرحبا، أريد أن أتكلم مع شخص');
    const row = page.locator(`li[data-handoff="${handoff.id}"]`);
    await row.waitFor(TIMEOUT);
    expect(await row.textContent()).toContain('you speak it');
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await row.getByRole('link', { name: 'Arabic (ar)' }).click();
    await page.getByRole('button', { name: 'Take this conversation' }).click();
    await page.getByRole('status').filter({ hasText: 'You have taken this conversation.' }).waitFor(TIMEOUT);
    await page.locator('body[data-live="open"]').waitFor(TIMEOUT);

    // What the counsellor is typing survives a new message arriving.
    const reply = page.getByLabel('Your reply (the person reads Arabic)');
    await reply.fill('أهلاً، أنا هنا.');
    await desk.personWrites('p1', 'هل ما زلت هنا؟');
    await page.getByRole('log').getByText('هل ما زلت هنا؟').waitFor(TIMEOUT);
    expect(await reply.inputValue()).toBe('أهلاً، أنا هنا.');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Your reply was sent.' }).waitFor(TIMEOUT);
    await page.getByRole('log').getByText('أهلاً، أنا هنا.').waitFor(TIMEOUT);
    const messages = (await desk.messagesSince(handoff.id)).map((m) => [m.message.from, m.message.text]);
    expect(messages).toEqual([
      ['person', 'مرحبا، أريد أن أتكلم مع شخص'],
      ['person', 'هل ما زلت هنا؟'],
      ['counsellor', 'أهلاً، أنا هنا.'],
    ]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Handed to a colleague (from another tab or instance): the reply box goes, live.
    await desk.handOver(handoff.id, STAFF.sara.email, STAFF.omid.email);
    await page.getByText(`${STAFF.omid.email} is answering this conversation.`).waitFor(TIMEOUT);
    await reply.waitFor({ state: 'detached', ...TIMEOUT });
    // No CSP violation, no script error.
    expect(errors).toEqual([]);
  }, 90_000);
});
