import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvalFile, runEval } from '../../src/eval/evaluate.js';
import { LANGUAGES } from '../../src/languages.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { shippedEngine, shippedKnowledge, testConfig } from '../support/engine.js';
import { EVAL_FLOORS } from '../eval/floors.js';

describe('answering', () => {
  it('answers in the language of the question, detected', async () => {
    const engine = await shippedEngine();
    const cases = [
      ['Can I change my mind after I apply to go back?', 'en'],
      ['Мога ли да се откажа, след като съм подал молба за връщане?', 'bg'],
      ['هل يمكنني تغيير رأيي بعد التسجيل للعودة؟', 'ar'],
      ['آیا بعد از ثبت نام می‌توانم از برگشت منصرف شوم؟', 'fa'],
      ['Puis-je changer d’avis après avoir demandé le retour ?', 'fr'],
      ['Başvurduktan sonra vazgeçebilir miyim?', 'tr'],
      ['Можно ли передумать после подачи заявки на возвращение?', 'ru'],
      ['Чи можу я передумати після подання заявки на повернення?', 'uk'],
    ] as const;
    for (const [text, lang] of cases) {
      const result = await engine.ask({ text });
      expect(result, text).toMatchObject({ lang, detectedLang: lang });
      // Answered, or (when phrased unlike any variant) offered first as "did you mean".
      expect(result.entryId ?? result.suggestions[0]?.entryId, text).toBe('avrr-change-mind');
    }
  });

  it('answers in the chosen language when the question is written in another', async () => {
    const engine = await shippedEngine();
    const result = await engine.ask({ text: 'Do I get cash money after I return?', lang: 'ps' });
    expect(result).toMatchObject({ lang: 'ps', detectedLang: 'en', entryId: 'reintegration-cash' });
    expect(result.answer).toBe(engine.answerEntry('reintegration-cash', 'ps')?.answer);
    const knowledge = await shippedKnowledge();
    expect(result.suggestions.every((s) => s.question === knowledge.entries.get(s.entryId)?.languages.ps.question)).toBe(true);
  });

  it('says under a machine translation that it is one', async () => {
    const engine = await shippedEngine();
    const en = await engine.ask({ text: 'How long does it take to go home?', lang: 'en' });
    const fr = await engine.ask({ text: 'How long does it take to go home?', lang: 'fr' });
    expect(en.answer).not.toMatch(/translated automatically/);
    expect(fr.answer).toMatch(/traduite automatiquement|traduction automatique/i);
  });

  it('fills contact details from configuration and says they are unverified', async () => {
    const { engine } = await loadAnswerEngine(testConfig({ CONTACT_PHONE: '+359 0000', CONTACT_HOURS: '' }));
    const result = await engine.ask({ text: 'What is the phone number of IOM?', lang: 'en' });
    expect(result.entryId).toBe('contact-iom');
    expect(result.answer).toContain('+359 0000');
    expect(result.answer).not.toContain('{{');
    expect(result.answer).not.toContain('🕒'); // no hours configured: the line is left out
    expect(result.answer).toMatch(/not been confirmed/);
  });
});

describe('the honest fallback', () => {
  it.each([
    ['What will the weather be like in Sofia tomorrow?'],
    ['Give me a recipe for chicken biryani'],
    ['Who won the football match last night?'],
  ])('does not answer an out-of-scope question: %s', async (text) => {
    const result = await (await shippedEngine()).ask({ text });
    expect(result.entryId).toBeNull();
    expect(result.kind).toBe('fallback');
    expect(result.answer).toMatch(/talk to a person|To talk to a person/i);
  });

  it('offers "did you mean" suggestions when unsure, in the user\'s language', async () => {
    const result = await (await shippedEngine()).ask({ text: 'can my family get money after we go back', lang: 'ru' });
    expect(result.kind).toBe('fallback');
    expect(result.suggestions.length).toBeGreaterThan(0);
    expect(result.suggestions.length).toBeLessThanOrEqual(3);
    expect(result.suggestions[0]?.question).toMatch(/[а-я]/i);
  });
});

describe('emergencies and small talk', () => {
  it('puts 112 and the emergency entry first when someone is in danger, in any language', async () => {
    const engine = await shippedEngine();
    for (const text of ['He is beating me, help', 'он меня бьёт', 'يضربني', 'Biri beni bıçakla tehdit ediyor']) {
      const result = await engine.ask({ text });
      expect(result.kind, text).toBe('emergency');
      expect(result.entryId).toBe('emergency-help');
      expect(result.answer.indexOf('112')).toBeLessThan(80);
    }
  });

  it('does not treat an informational question about danger as an emergency', async () => {
    const engine = await shippedEngine();
    expect((await engine.ask({ text: 'What is human trafficking?' })).kind).not.toBe('emergency');
    expect((await engine.ask({ text: 'Is it dangerous to return to my country?' })).kind).not.toBe('emergency');
  });

  it('greets, thanks and says what it is, in the language used', async () => {
    const engine = await shippedEngine();
    expect(await engine.ask({ text: 'Salam!' })).toMatchObject({ kind: 'smalltalk', entryId: null });
    expect(await engine.ask({ text: 'дякую!' })).toMatchObject({ kind: 'smalltalk', lang: 'uk' });
    expect(await engine.ask({ text: 'merci beaucoup' })).toMatchObject({ kind: 'smalltalk', lang: 'fr' });
    expect((await engine.ask({ text: 'are you a robot?' })).kind).toBe('smalltalk');
  });

  it('answers a real question even when it starts with a greeting', async () => {
    const result = await (await shippedEngine()).ask({ text: 'Hello, how do I apply for voluntary return?' });
    expect(result).toMatchObject({ kind: 'answer', entryId: 'avrr-how-to-apply' });
  });
});

describe('on the evaluation sets (keyword mode, language detected)', () => {
  // The floors and why they are where they are: test/eval/floors.ts.
  it.each(EVAL_FLOORS.map((floors) => [path.basename(floors.file), floors] as const))('%s: meets its floors', async (_name, floors) => {
    const { report } = await runEval(await shippedEngine(), await readEvalFile(floors.file), { detect: true });
    expect(report.overall.top1).toBeGreaterThanOrEqual(floors.top1);
    expect(report.overall.top3).toBeGreaterThanOrEqual(floors.top3);
    expect(report.overall.noneRejected).toBeGreaterThanOrEqual(floors.noneRejected);
    if (floors.smalltalkRecognised !== undefined) expect(report.overall.smalltalkRecognised).toBeGreaterThanOrEqual(floors.smalltalkRecognised);
    for (const lang of LANGUAGES) expect(report.byLang[lang]?.top1, lang).toBeGreaterThanOrEqual(floors.everyLanguageTop1);
    expect(report.overall.confidentWrongRate).toBeLessThanOrEqual(floors.confidentWrongRate);
  });
});
