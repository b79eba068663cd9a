import { MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { turnStateOn } from '../../src/bot/turn-state.js';
import { describe, expect, it } from 'vitest';
import { RahnamaBot } from '../../src/bot/rahnama-bot.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { shipped } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const { engine, knowledge } = await shipped();
const flow = knowledge.flows.get('eligibility')!;
const { locales } = engine;

async function botOn() {
  const storage = new MemoryStorage();
  const insights = new InsightsStore(await EmbeddedStore.open(await tempDir()));
  const bot = new RahnamaBot({ engine, knowledge, locales, state: turnStateOn(storage), insights });
  const adapter = new TestAdapter(async (context) => bot.run(context));
  const turn = async (text: string): Promise<Partial<Activity>[]> => {
    const before = adapter.activeQueue.length;
    await adapter.send(text).startTest();
    return adapter.activeQueue.splice(before);
  };
  return { turn, insights, storage };
}

const values = (a: Partial<Activity> | undefined) => (a?.suggestedActions?.actions ?? []).map((b) => b.value as string);
const titles = (a: Partial<Activity> | undefined) => (a?.suggestedActions?.actions ?? []).map((b) => b.title);
const ask = (step: string, lang: 'en' | 'fa' = 'en') => flow.steps[step]!.ask[lang];

describe('the eligibility check in the bot', () => {
  it('starts from its button, asks each question with its options and Back/Start again, and ends with the outcome, entries and a person', async () => {
    const { turn, insights } = await botOn();
    const [intro, first] = await turn('chk:start:eligibility');
    expect(intro?.text).toBe(flow.intro.en);
    expect(first?.text).toBe(ask('country'));
    expect(values(first)).toEqual([...flow.steps.country!.options.map((o) => `chk:a:${o.id}`), 'chk:restart']);
    const [second] = await turn('chk:a:origin');
    expect(second?.text).toBe(ask('situation'));
    expect(titles(second)).toContain(locales.t('en', 'check.back'));
    await turn('chk:a:asylum-rejected');
    await turn('chk:a:alone');
    const [outcome] = await turn('chk:a:none');
    expect(outcome?.text).toContain(flow.closing.en);
    expect(outcome?.text).toContain(flow.steps.situation!.options.find((o) => o.id === 'asylum-rejected')!.note!.en);
    expect(values(outcome)).toEqual(expect.arrayContaining(['entry:avrr-eligibility', 'entry:avrr-rejected-asylum', 'person', 'chk:start:eligibility']));
    expect(await insights.checkOutcomes()).toEqual([expect.objectContaining({ flow: 'eligibility', lang: 'en', count: 1 })]);
  });

  it('goes back one step, restarts, and takes answers typed as words or numbers', async () => {
    const { turn } = await botOn();
    await turn('/check');
    // The label typed, in other case and with a full stop.
    const origin = flow.steps.country!.options.find((o) => o.id === 'origin')!.label.en;
    const [situation] = await turn(`${origin.toUpperCase()}.`);
    expect(situation?.text).toBe(ask('situation'));
    const [back] = await turn('back');
    expect(back?.text).toBe(ask('country'));
    const [again] = await turn('1');
    expect(again?.text).toBe(ask('situation'));
    const [intro, restarted] = await turn('chk:restart');
    expect([intro?.text, restarted?.text]).toEqual([flow.intro.en, ask('country')]);
  });

  it('goes on in the new language when the language changes mid-way', async () => {
    const { turn } = await botOn();
    await turn('chk:start:eligibility');
    await turn('chk:a:origin');
    const [changed, reasked] = await turn('lang:fa');
    expect(changed?.text).toBe(locales.t('fa', 'bot.languageChanged'));
    expect(reasked?.text).toBe(ask('situation', 'fa'));
    expect(titles(reasked)).toContain(flow.steps.situation!.options[0]!.label.fa);
  });

  it('is left by asking any other question, which the bot then answers, and stores nothing of the answers after', async () => {
    const { turn, storage } = await botOn();
    await turn('chk:start:eligibility');
    await turn('chk:a:origin');
    const [answer] = await turn('How long does the return take?');
    expect(answer?.text).toBe((await engine.ask({ text: 'How long does the return take?', lang: 'en' })).answer);
    const [next] = await turn('1');
    // No check is running any more: "1" is just a message.
    expect(next?.text).not.toBe(ask('situation'));
    const stored = JSON.stringify(await storage.read(Object.keys((storage as unknown as { memory: Record<string, unknown> }).memory)));
    expect(stored).not.toContain('origin');
  });

  it('starts when someone asks whether they can get help, after the answer to that question', async () => {
    const { turn } = await botOn();
    const replies = await turn('Who is eligible for AVRR?');
    expect(replies[0]?.text).toBe((await engine.ask({ text: 'Who is eligible for AVRR?', lang: 'en' })).answer);
    expect(replies.map((r) => r.text)).toEqual(expect.arrayContaining([flow.intro.en, ask('country')]));
    expect(replies.at(-1)?.text).toBe(ask('country'));
  });
});
