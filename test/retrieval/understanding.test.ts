import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, type Lang } from '../../src/languages.js';
import { LOCALES_DIR } from '../support/paths.js';
import { shippedEngine, shippedKnowledge } from '../support/engine.js';

/** A locale file of one language, as JSON. */
async function locale<T>(lang: Lang, ns: string): Promise<T> {
  return JSON.parse(await readFile(path.join(LOCALES_DIR, lang, `${ns}.json`), 'utf8')) as T;
}

type SmallTalk = Record<string, { patterns: string[] }>;
type Emergency = { patterns: string[]; past: string[]; now: string[] };

describe('short and conversational messages', () => {
  it.each(LANGUAGES)('%s: greetings, thanks and "ok" are small talk, never a knowledge answer', async (lang) => {
    const engine = await shippedEngine();
    const table = await locale<SmallTalk>(lang, 'smalltalk');
    for (const intent of ['greeting', 'thanks', 'acknowledgement']) {
      for (const text of (table[intent]?.patterns ?? []).slice(0, 3)) {
        const result = await engine.ask({ text, lang });
        expect(result.kind, `${lang} ${intent}: ${text}`).toBe('smalltalk');
        expect(result.entryId).toBeNull();
      }
    }
  });

  it.each(LANGUAGES)('%s: asking to talk to a person, in a sentence, is that request, not a question about contacting IOM', async (lang) => {
    const engine = await shippedEngine();
    const table = await locale<SmallTalk>(lang, 'smalltalk');
    for (const text of (table.person?.patterns ?? []).slice(0, 3)) {
      const result = await engine.ask({ text: `${text}?` });
      expect(result, `${lang}: ${text}`).toMatchObject({ kind: 'smalltalk', intent: 'person', entryId: null, lang });
    }
    // Asking how to reach IOM is still the question it is.
    expect(await engine.ask({ text: 'How do I contact IOM?', lang: 'en' })).toMatchObject({ kind: 'answer', entryId: 'contact-iom' });
  });

  it('takes a polite request for a person as that request, not as danger, and danger words with it as danger', async () => {
    const engine = await shippedEngine();
    expect(await engine.ask({ text: 'Hi, can I speak to someone please?', lang: 'en' })).toMatchObject({ kind: 'smalltalk', intent: 'person' });
    expect(await engine.ask({ text: 'I need to talk to someone, a man is hitting me', lang: 'en' })).toMatchObject({ kind: 'emergency' });
  });

  it('answers an emoji or "ok" with small talk, not an entry at full confidence', async () => {
    const engine = await shippedEngine();
    for (const text of ['👍', '🙏🙏', 'ok', 'no', 'thank you', 'yes']) {
      const result = await engine.ask({ text });
      expect(result.kind, text).toBe('smalltalk');
      expect(result.entryId, text).toBeNull();
    }
  });

  it.each(LANGUAGES)('%s: one word of an entry\'s question alone is never a confident answer', async (lang) => {
    const engine = await shippedEngine();
    const knowledge = await shippedKnowledge();
    const words = ['avrr-cost', 'reintegration-cash', 'contact-iom'].map((id) => {
      const question = knowledge.entries.get(id)?.languages[lang].question ?? '';
      return question.split(/\s+/).map((w) => w.replace(/[\p{P}]/gu, '')).sort((a, b) => b.length - a.length)[0] ?? '';
    });
    for (const word of words) {
      const result = await engine.ask({ text: word, lang });
      expect(result.kind === 'answer' && result.confidence >= 0.5, `${lang}: ${word} → ${result.kind} ${result.entryId} ${result.confidence}`).toBe(false);
    }
  });
});

describe('an entry\'s own question', () => {
  it.each(LANGUAGES)('%s: every entry\'s question, as written, is answered with that entry, short ones too ("IOM nedir?")', async (lang) => {
    const engine = await shippedEngine();
    const knowledge = await shippedKnowledge();
    for (const entry of knowledge.entries.values()) {
      const text = entry.languages[lang].question;
      const result = await engine.ask({ text, lang });
      expect(result, `${lang}: ${text}`).toMatchObject({ kind: entry.id === 'emergency-help' ? 'emergency' : 'answer', entryId: entry.id });
    }
  });

  it('does not take a short question about IOM for small talk about the bot ("IOM څه دی", Pashto: what is IOM)', async () => {
    const engine = await shippedEngine();
    const result = await engine.ask({ text: 'IOM څه دی', lang: 'ps' });
    expect(result.kind).not.toBe('smalltalk');
    expect([result.entryId, ...result.suggestions.map((s) => s.entryId)]).toContain('about-iom');
  });
});

describe('the wish to go home', () => {
  it.each([
    ['en', 'I want to go home'],
    ['ar', 'أريد العودة إلى بلدي'],
    ['bg', 'Искам да се прибера у дома'],
  ] as const)('%s: "%s" is answered with how to apply, in that language', async (lang, text) => {
    // The product's first question, which used to get stay-legally-options or a business grant at confidence 1.
    const result = await (await shippedEngine()).ask({ text });
    expect(result).toMatchObject({ kind: 'answer', entryId: 'avrr-how-to-apply', lang });
  });
});

describe('the conversation\'s language', () => {
  it.each(LANGUAGES)('%s: a greeting or a short message does not switch it', async (lang) => {
    const engine = await shippedEngine();
    for (const text of ['hello', 'ok', 'thanks', 'IOM?']) {
      const result = await engine.ask({ text, conversationLang: lang });
      expect(result.lang, `${lang}: ${text}`).toBe(lang);
    }
  });

  it('switches for a message long enough and clearly in another language', async () => {
    const engine = await shippedEngine();
    const result = await engine.ask({ text: 'هل يمكنني العودة إلى بلدي مع المنظمة الدولية للهجرة إذا لم يكن لدي جواز سفر؟', conversationLang: 'en' });
    expect(result.lang).toBe('ar');
    const stays = await engine.ask({ text: 'Does voluntary return cost me anything?', conversationLang: 'fa', lang: 'fa' });
    expect(stays.lang).toBe('fa');
  });

  it('answers "hello" without a language with English small talk', async () => {
    const result = await (await shippedEngine()).ask({ text: 'hello' });
    expect(result).toMatchObject({ kind: 'smalltalk', lang: 'en' });
  });
});

describe('romanised messages', () => {
  it.each([
    ['bg', 'kolko struva biletat za vkashti s MOM', 'avrr-cost'],
    ['ru', 'skolko stoit bilet domoy cherez MOM, nado platit?', 'avrr-cost'],
    ['uk', 'skilky koshtuie kvytok dodomu, treba platyty?', 'avrr-cost'],
  ] as const)('%s in Latin letters is read back into Cyrillic and answered in %s', async (lang, text, entryId) => {
    const result = await (await shippedEngine()).ask({ text });
    expect(result.entryId ?? result.suggestions[0]?.entryId, text).toBe(entryId);
    expect(result.lang).toBe(lang);
  });
});

describe('romanised ways of asking', () => {
  it.each(['ar', 'fa', 'ur', 'ps'] as const)('%s typed in Latin letters is answered in that language, without the language given', async (lang) => {
    const engine = await shippedEngine();
    const knowledge = await shippedKnowledge();
    for (const id of ['avrr-cost', 'reintegration-medical', 'contact-iom']) {
      // The longest spelling: a two-word one ("raqam IOM") is short enough to be only suggested.
      const text = [...(knowledge.entries.get(id)?.languages[lang].romanised ?? [])].sort((a, b) => b.length - a.length)[0] ?? '';
      const result = await engine.ask({ text });
      expect(result.entryId, `${lang}: ${text}`).toBe(id);
      expect(result.lang, `${lang}: ${text}`).toBe(lang);
    }
  });
});

describe('long messages', () => {
  it('answers the question after a personal story, and offers the other question asked', async () => {
    const engine = await shippedEngine();
    const story = 'I came to Bulgaria three years ago with my wife. Life here has been very hard and we have no work. '
      + 'We have decided we want to go back home. Can IOM pay for the plane tickets for the whole family? '
      + 'And after we arrive, will my children get help to go back to school?';
    const result = await engine.ask({ text: story, lang: 'en' });
    expect(result.kind).toBe('answer');
    const offered = [result.entryId, ...(result.alsoAsked ?? []).map((s) => s.entryId), ...result.suggestions.map((s) => s.entryId)];
    expect(offered).toContain('reintegration-education');
    expect(offered.some((id) => id === 'avrr-cost' || id === 'avrr-family')).toBe(true);
  });

  it('answers what is asked, not what the context before it tells', async () => {
    const engine = await shippedEngine();
    // The first sentence, alone, is the jobs-and-housing question's words; it only says who writes.
    const message = 'I volunteer at a shelter that helps people find housing and work in Sofia. '
      + 'There is a boy of 17 here, alone, without his parents. Can he go back home by himself?';
    expect(await engine.ask({ text: message, lang: 'en' })).toMatchObject({ kind: 'answer', entryId: 'avrr-children-alone' });
    // Without a question mark anywhere, the last sentence is taken for the question.
    expect(await engine.ask({ text: message.replace('. Can he go back home by himself?', ', and he wants to go back home by himself'), lang: 'en' }))
      .toMatchObject({ kind: 'answer', entryId: 'avrr-children-alone' });
  });

  it('is never sure of an entry that only the story before an unrelated question speaks of', async () => {
    const engine = await shippedEngine();
    const told = 'I was a student in Sofia and my visa expired last month. I want to go home but I have no money for the ticket.';
    // Told alone, the story is a question the knowledge base answers surely.
    expect((await engine.ask({ text: told, lang: 'en' })).confidence).toBeGreaterThanOrEqual(0.8);
    for (const question of ['Where can I buy a cheap second-hand phone in Sofia?', 'Which bank has the lowest fee to send money to Egypt?']) {
      const result = await engine.ask({ text: `${told} ${question}`, lang: 'en' });
      expect(result.confidence, question).toBeLessThan(0.8);
    }
    // A question that asks nothing of its own ("what can I do?") still gets the story's entry.
    expect(await engine.ask({ text: `${told} What can I do?`, lang: 'en' })).toMatchObject({ kind: 'answer', entryId: expect.stringMatching(/^avrr-(expired-visa|stranded)$/) });
  });
});

describe("the organisation's full name", () => {
  it.each([
    ['en', 'Does the International Organization for Migration pay for the ticket?', 'What is the International Organization for Migration?'],
    ['bg', 'Плаща ли Международната организация по миграция билета?', 'Какво е Международната организация по миграция?'],
    ['ru', 'Платит ли Международная организация по миграции за билет?', 'Что такое Международная организация по миграции?'],
    ['tr', 'Uluslararası Göç Örgütü bileti ödüyor mu?', 'Uluslararası Göç Örgütü nedir?'],
    ['ar', 'هل تدفع المنظمة الدولية للهجرة ثمن التذكرة؟', 'ما هي المنظمة الدولية للهجرة؟'],
    ['fa', 'آیا سازمان بین‌المللی مهاجرت هزینه بلیط را می‌دهد؟', 'سازمان بین‌المللی مهاجرت چیست؟'],
  ] as const)('%s: is read as "IOM": a question about the ticket is about the ticket, not about what IOM is', async (lang, ticket, whatIs) => {
    const engine = await shippedEngine();
    expect(await engine.ask({ text: ticket }), ticket).toMatchObject({ kind: 'answer', entryId: 'avrr-cost', lang });
    expect(await engine.ask({ text: whatIs }), whatIs).toMatchObject({ kind: 'answer', entryId: 'about-iom', lang });
  });
});

describe('emergencies', () => {
  it.each(LANGUAGES)('%s: danger now gets 112 first; the same danger in the past gets the answer with a line about 112', async (lang) => {
    const engine = await shippedEngine();
    const { patterns, past } = await locale<Emergency>(lang, 'emergency');
    const danger = patterns[0] ?? '';
    const now = await engine.ask({ text: danger, lang });
    expect(now.kind, `${lang}: ${danger}`).toBe('emergency');
    expect(now.answer).toContain('112');
    const story = `${past[0]} ${danger}`;
    const then = await engine.ask({ text: story, lang });
    expect(then.kind, `${lang}: ${story}`).not.toBe('emergency');
    expect(then.answer, `${lang}: ${story}`).toContain('112');
  });
});

describe('unclear messages', () => {
  it.each([
    ['en', 'so what about my case'],
    ['bg', 'а какво става с моя случай'],
  ] as const)('%s: a vague message gets a clarifying question with the three main topics', async (lang, text) => {
    const result = await (await shippedEngine()).ask({ text, lang });
    expect(result.kind, text).toBe('clarify');
    expect(result.suggestions.map((s) => s.entryId)).toEqual(['avrr-overview', 'reintegration-support', 'iom-bulgaria-services']);
  });

  it('answers a question the knowledge base marks as a referral with that entry', async () => {
    const engine = await shippedEngine();
    const result = await engine.ask({ text: 'My asylum claim was refused. Where can I find a lawyer to appeal?', lang: 'en' });
    expect(result.entryId ?? result.suggestions[0]?.entryId).toBe('help-outside-iom');
    expect((await shippedKnowledge()).entries.get('help-outside-iom')?.referral).toBe(true);
  });
});
