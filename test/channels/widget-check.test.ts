import { describe, expect, it } from 'vitest';
import { flowPaths } from '../../src/knowledge/flow.js';
import { useBrowser } from '../support/browser.js';
import { useWebChatServer } from '../support/webchat-server.js';

const serve = useWebChatServer();
const openPage = useBrowser();
const TIMEOUT = { timeout: 10_000 };

describe('the eligibility check in the web chat widget', () => {
  it('runs in Arabic, right-to-left, from the welcome button to an outcome, with back and a typed answer on the way', async () => {
    const { url, engine, knowledge, webChat } = await serve();
    const flow = knowledge.flows.get('eligibility')!;
    const { page, errors } = await openPage({ locale: 'ar-EG' });
    await page.goto(url);
    await page.getByRole('button', { name: engine.locales.widget('ar').open }).click();

    // The welcome offers the check.
    await page.getByRole('button', { name: flow.title.ar }).click();
    const path = flowPaths(flow).find((p) => p.outcome !== 'counsellor')!;
    const [first, ...rest] = path.answers;
    const question = (step: string) => page.locator('.message.bot', { hasText: flow.steps[step]!.ask.ar }).last();
    await question(first!.step).waitFor(TIMEOUT);
    expect(await question(first!.step).evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
    const label = (step: string, option: string) => flow.steps[step]!.options.find((o) => o.id === option)!.label.ar;

    // First answer by button, then back, then the same answer typed.
    await page.getByRole('button', { name: label(first!.step, first!.option), exact: true }).click();
    await question(rest[0]!.step).waitFor(TIMEOUT);
    await page.getByRole('button', { name: engine.locales.t('ar', 'check.back') }).click();
    await expect.poll(() => page.locator('.message.bot', { hasText: flow.steps[first!.step]!.ask.ar }).count(), TIMEOUT).toBe(2);
    await page.getByRole('textbox').fill(label(first!.step, first!.option));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.message.bot', { hasText: flow.steps[rest[0]!.step]!.ask.ar }).count(), TIMEOUT).toBe(2);

    for (const answer of rest) await page.getByRole('button', { name: label(answer.step, answer.option), exact: true }).click();
    const outcome = page.locator('.message.bot', { hasText: flow.closing.ar.slice(0, 30) });
    await outcome.waitFor(TIMEOUT);
    expect(await outcome.textContent()).toContain(flow.outcomes[path.outcome]!.say.ar.replace(/\*\*/g, '').split('\n')[0]!.slice(0, 20));
    expect(await outcome.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
    // Only an anonymous count is kept of the answers.
    await expect.poll(() => webChat.insights.checkOutcomes()).toEqual([expect.objectContaining({ flow: 'eligibility', outcome: path.outcome, lang: 'ar', count: 1 })]);
    expect(errors).toEqual([]);
  });
});
