import { ActivityTypes, MemoryStorage, TestAdapter, type Activity, type Storage } from 'botbuilder';
import { turnStateOn, type TurnStateStore } from '../../src/bot/turn-state.js';
import { describe, expect, it } from 'vitest';
import { RahnamaBot } from '../../src/bot/rahnama-bot.js';
import { loadLocales } from '../../src/i18n/locales.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { InsightsStore } from '../../src/storage/insights-store.js';
import { BotStateStorage } from '../../src/storage/bot-state-storage.js';
import { shippedEngine, shippedKnowledge } from '../support/engine.js';
import { LOCALES_DIR } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const locales = await loadLocales(LOCALES_DIR);
const tempDir = useTempDir();

async function botOn(storage: Storage | TurnStateStore = new MemoryStorage()) {
  const insights = new InsightsStore(await EmbeddedStore.open(await tempDir()));
  const bot = new RahnamaBot({
    engine: await shippedEngine(),
    knowledge: await shippedKnowledge(),
    locales,
    state: 'load' in storage ? storage : turnStateOn(storage),
    insights,
  });
  const adapter = new TestAdapter(async (context) => bot.run(context));
  return { adapter, bot, insights };
}

/** Sends one message and collects every reply of that turn. */
async function turn(adapter: TestAdapter, text: string): Promise<Partial<Activity>[]> {
  const before = adapter.activeQueue.length;
  await adapter.send(text).startTest();
  return adapter.activeQueue.splice(before);
}

const buttons = (a: Partial<Activity> | undefined) => (a?.suggestedActions?.actions ?? []).map((b) => ({ title: b.title, value: b.value as string }));

describe('the bot core', () => {
  it('welcomes a new user with what it can do, the eligibility check, a privacy link and a choice of eleven languages', async () => {
    const { adapter } = await botOn();
    const replies: Partial<Activity>[] = [];
    await adapter.processActivity({
      type: ActivityTypes.ConversationUpdate,
      membersAdded: [{ id: 'user', name: 'user' }],
      recipient: { id: 'bot', name: 'bot' },
    } as Partial<Activity>);
    replies.push(...adapter.activeQueue.splice(0));
    expect(replies).toHaveLength(2);
    expect(replies[0]?.text).toMatch(/Rahnama/);
    expect(replies[1]?.text).toContain(locales.t('en', 'bot.privacyNotice'));
    // The last message carries every button: clients show only the last one's.
    expect(buttons(replies[1]).map((b) => b.value)).toEqual(['chk:start:eligibility', 'entry:bot-privacy', 'lang:en', 'lang:bg', 'lang:ar', 'lang:fa', 'lang:ps', 'lang:ur', 'lang:ku', 'lang:tr', 'lang:uk', 'lang:ru', 'lang:fr']);
    expect(buttons(replies[1])[4]?.title).toBe('العربية');
  });

  it('answers in the language of the question, then asks for feedback with the related questions and a person as the last buttons', async () => {
    const { adapter } = await botOn();
    const question = (await shippedKnowledge()).entries.get('avrr-rejected-asylum')?.languages.ar.question ?? '';
    const [answer, feedback] = await turn(adapter, question);
    expect(answer?.text).toMatch(/[\u0600-\u06ff]/);
    expect(answer?.locale).toBe('ar');
    // Clients show only the last message's buttons: all of them are there.
    expect(buttons(answer)).toEqual([]);
    const related = (await shippedKnowledge()).entries.get('avrr-rejected-asylum')?.related?.slice(0, 3) ?? [];
    expect(related.length).toBeGreaterThan(0);
    expect(buttons(feedback).map((b) => b.value)).toEqual(['fb:up:avrr-rejected-asylum', 'fb:down:avrr-rejected-asylum', ...related.map((id) => `entry:${id}`), 'person']);
    expect(feedback?.text).toContain(locales.t('ar', 'bot.relatedQuestions'));
    expect(feedback?.locale).toBe('ar');
  });

  it('keeps the chosen language, even for questions typed in another', async () => {
    const { adapter } = await botOn();
    const [changed] = await turn(adapter, 'lang:fa');
    expect(changed?.text).toBe(locales.t('fa', 'bot.languageChanged'));
    const [answer] = await turn(adapter, 'How long does the return take?');
    expect(answer?.text).toBe((await (await shippedEngine()).ask({ text: 'How long does the return take?', lang: 'fa' })).answer);
  });

  it('offers the languages, a person or help when "language", "person" or "help" is typed in the user\'s language', async () => {
    const { adapter } = await botOn();
    await turn(adapter, 'lang:ru');
    const [menu] = await turn(adapter, 'Язык');
    expect(buttons(menu)).toHaveLength(11);
    const [slash] = await turn(adapter, '/language');
    expect(buttons(slash)).toHaveLength(11);
    const [person] = await turn(adapter, 'человек');
    expect(person?.text).toMatch(/IOM|МОМ/);
    const [help] = await turn(adapter, '/помощь');
    expect(help?.text).toContain(locales.t('ru', 'bot.help'));
    expect(buttons(help).map((b) => b.value)).toEqual(['lang', 'person']);
  });

  it('answers a suggested question when its button is pressed, and records feedback anonymously', async () => {
    const { adapter, insights } = await botOn();
    const [answer] = await turn(adapter, 'entry:avrr-cost');
    expect(answer?.text).toBe((await shippedEngine()).answerEntry('avrr-cost', 'en')?.answer);
    const [thanks] = await turn(adapter, 'fb:down:avrr-cost');
    expect(thanks?.text).toBe(locales.t('en', 'bot.feedbackThanksDown'));
    expect(await insights.feedback()).toEqual([{ entryId: 'avrr-cost', helpful: false, lang: 'en', at: expect.any(String) }]);
  });

  it('falls back honestly, with "did you mean" buttons and a way to a person, and keeps the question for staff', async () => {
    const { adapter, insights } = await botOn();
    const [reply] = await turn(adapter, 'can my family get money after we go back');
    expect(await insights.unanswered()).toEqual([{ text: 'can my family get money after we go back', lang: 'en', at: expect.any(String), bestEntryId: expect.any(String), bestConfidence: expect.any(Number) }]);
    // No user or conversation identifier is stored with it.
    expect(JSON.stringify(await insights.unanswered())).not.toMatch(/user|convo/i);
    expect(reply?.text).toMatch(/Did you mean/);
    expect(buttons(reply).map((b) => b.value)).toContain('person');
    const [person] = await turn(adapter, 'person');
    expect(person?.text).toMatch(/IOM/);
  });

  it('remembers the language in its storage across restarts', async () => {
    const dir = await tempDir();
    const first = await botOn(new BotStateStorage(await EmbeddedStore.open(dir)));
    await turn(first.adapter, 'lang:uk');
    const second = await botOn(new BotStateStorage(await EmbeddedStore.open(dir)));
    const [reply] = await turn(second.adapter, 'hello');
    expect(reply?.text).toBe(locales.smallTalk('uk').greeting.reply);
  });
});

describe('the slash commands every channel accepts (Telegram\'s menu offers them)', () => {
  it('/start welcomes in the language the channel guesses for the user, with the language buttons', async () => {
    const { adapter } = await botOn();
    const before = adapter.activeQueue.length;
    await adapter.send({ type: 'message', text: '/start', locale: 'ar' } as Partial<Activity>).startTest();
    const [welcome, choice] = adapter.activeQueue.splice(before);
    expect(welcome?.text).toBe(`${locales.t('ar', 'bot.welcome')}\n\n${locales.t('ar', 'bot.capabilities')}`);
    // The check, the privacy answer and eleven languages.
    expect(buttons(choice)).toHaveLength(13);
  });

  it('/contact shows how to reach a person and /privacy the privacy answer', async () => {
    const { adapter } = await botOn();
    const [contact] = await turn(adapter, '/contact');
    expect(contact?.text).toMatch(/IOM/);
    const [privacy] = await turn(adapter, '/privacy');
    expect(privacy?.text).toBe((await (await shippedEngine()).ask({ text: 'What does this chatbot store about me?', lang: 'en' })).answer);
  });

  it('/forget deletes the user\'s and the conversation\'s state, then confirms in the user\'s language; "forget" as a word deletes nothing', async () => {
    const memory: Record<string, string> = {};
    const { adapter } = await botOn(new MemoryStorage(memory));
    await turn(adapter, 'lang:ru');
    await turn(adapter, 'entry:avrr-cost');
    expect(Object.keys(memory)).toHaveLength(2);
    await turn(adapter, 'forget');
    expect(Object.keys(memory)).toHaveLength(2);
    const [confirmation] = await turn(adapter, '/forget');
    expect(confirmation?.text).toBe(locales.t('ru', 'bot.forgotten'));
    expect(memory).toEqual({});
  });
});
