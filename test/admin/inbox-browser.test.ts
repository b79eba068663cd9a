import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { signInOnPage, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };

/** What a reader sees of the first line of a Markdown answer (markup and list markers gone). */
const firstWords = (markdown: string, length = 25) =>
  (markdown.split('\n').find((l) => l.trim()) ?? '').replace(/^\s*(?:[-*]|\d+\.)\s+/, '').replace(/[*_`]/g, '').slice(0, length);

describe('the unanswered inbox in a real browser', () => {
  it('shows a question the bot could not answer in the web chat with the engine\'s closest entries, none chosen; the one staff pick gets it as a variant, and the same question is answered after', async () => {
    const { url, engine, knowledge } = await serve({ webChat: true });
    const question = 'can my cousin who lives in Sofia come with me on the return flight';
    const before = await engine.ask({ text: question });
    expect(before).toMatchObject({ kind: 'fallback', lang: 'en' });

    // Someone asks in the web chat, and the bot cannot answer.
    const person = await openPage({ locale: 'en-GB' });
    await person.page.goto(url);
    await person.page.getByRole('button', { name: engine.locales.widget('en').open }).click();
    await person.page.locator('.message.bot', { hasText: engine.locales.t('en', 'bot.welcome') }).waitFor(TIMEOUT);
    await person.page.getByRole('textbox', { name: engine.locales.widget('en').input }).fill(question);
    await person.page.keyboard.press('Enter');
    await person.page.locator('.message.bot', { hasText: firstWords(before.answer) }).waitFor(TIMEOUT);

    // A staff member signs in and finds it in the inbox (the bot records it beside its reply).
    const staff = await openPage({ locale: 'en-GB' });
    const { page } = staff;
    await signInOnPage(page, url, '/admin');
    await page.goto(`${url}/admin/inbox`);
    const card = page.getByRole('listitem').filter({ has: page.getByText(question, { exact: true }) });
    const shown = async () => {
      await page.reload();
      return card.count();
    };
    await expect.poll(shown, TIMEOUT).toBe(1);
    expect(await card.getByText('en · asked 1 time(s)').count()).toBe(1);

    // The engine's closest entries are offered with how sure it is, none chosen; staff pick
    // avrr-family and it becomes a way of asking it, published at once.
    const choices = card.getByRole('group', { name: 'Add it as a way of asking' });
    expect(await choices.getByRole('radio').count()).toBe(5);
    for (const radio of await choices.getByRole('radio').all()) expect(await radio.isChecked()).toBe(false);
    await choices.getByRole('radio', { name: /avrr-family .* % sure/ }).check();
    await card.getByRole('button', { name: 'Add and publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Added to avrr-family and published' }).waitFor(TIMEOUT);
    expect(await page.getByText(question, { exact: true }).count()).toBe(0);

    const asked = await (await fetch(`${url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: question, lang: 'en' }) })).json();
    const family = await engine.ask({ text: knowledge.entries.get('avrr-family')!.languages.en.question, lang: 'en' });
    expect(asked).toMatchObject({ kind: 'answer', entryId: 'avrr-family', answer: family.answer });
    expect(person.errors).toEqual([]);
    expect(staff.errors).toEqual([]);
    // Two browsers, a web chat conversation and a publish: longer than the default on a shared machine.
  }, 90_000);
});
