import { describe, expect, it } from 'vitest';
import { foldText, segmentWords, termsOf, tokenize } from '../../src/retrieval/text.js';

describe('text folding for search', () => {
  it('makes Arabic-keyboard and Persian-keyboard spellings meet', () => {
    expect(foldText('كيف')).toBe(foldText('کیف'));
    expect(foldText('إلى')).toBe(foldText('الی'));
    expect(foldText('مدرسة')).toBe(foldText('مدرسه'));
  });

  it('makes Pashto and Urdu words typed on a Farsi or Arabic keyboard meet their own spelling', () => {
    // Pashto "woman", "to go back" and "ticket"; Urdu "ticket" and "big": the letters ښ ځ ړ ټ ډ
    // ٹ ڑ ں are missing from Farsi and Arabic keyboards, and people write their nearest letter.
    expect(foldText('ښځه')).toBe(foldText('شزه'));
    expect(foldText('ګرځېدل')).toBe(foldText('گرزیدل'));
    expect(foldText('ټکټ')).toBe(foldText('تکت'));
    expect(foldText('ٹکٹ')).toBe(foldText('تکت'));
    expect(foldText('بڑا')).toBe(foldText('برا'));
    expect(foldText('ډېر')).toBe(foldText('دیر'));
  });

  it('folds plain ASCII (its fast path) as it folds the same letters anywhere else', () => {
    expect(foldText('Can I GO Home?')).toBe('can i go home?');
    expect(foldText('can`t')).toBe("can't");
    // The same word with and without a letter outside ASCII folds to the same text.
    expect(foldText('Cafe\u0301')).toBe(foldText('Cafe'));
    expect(foldText('RETURN\u200b')).toBe(foldText('return'));
  });

  it('makes the apostrophes phone keyboards type meet the plain one', () => {
    expect(foldText('can’t')).toBe("can't");
    expect(foldText('бʼє')).toBe(foldText("б'є"));
  });

  it('drops harakat, tatweel and zero-width joiners', () => {
    expect(foldText('العَوْدَة')).toBe(foldText('العودة'));
    expect(foldText('مـــرحبا')).toBe('مرحبا');
    expect(foldText('می\u200cخواهم')).toBe('میخواهم');
  });

  it('folds case and diacritics in Latin and Cyrillic scripts', () => {
    expect(foldText('RÉINTÉGRATION')).toBe('reintegration');
    expect(foldText('Ülkeme DÖNMEK İstiyorum')).toBe('ulkeme donmek istiyorum');
    expect(foldText('welatê')).toBe('welate');
    expect(foldText('Ещё')).toBe('еще');
  });

  it('stems where a stemmer exists, so inflected forms meet', () => {
    expect(termsOf('documents', 'en')).toEqual(termsOf('document', 'en'));
    expect(termsOf('возвращение', 'ru')[0]).toBe(termsOf('возвращения', 'ru')[0]);
  });

  it('splits French elisions and Turkish suffixes after names', () => {
    expect(termsOf("l'aide", 'fr')).toEqual(termsOf('aide', 'fr'));
    expect(termsOf("Bulgaristan'da", 'tr')).toEqual(termsOf('Bulgaristan', 'tr'));
  });
});

describe('the Bulgarian stemmer', () => {
  it('stems words it rewrites letters in (a regression: it threw on strings)', () => {
    expect(termsOf('междуправителствена организация', 'bg')).toHaveLength(2);
    expect(termsOf('документи', 'bg')[0]).toBe(termsOf('документ', 'bg')[0]);
  });
});

describe('word segmentation', () => {
  it('splits exactly as Intl.Segmenter does, on every knowledge text and eval question', async () => {
    const { loadKnowledgeBase } = await import('../../src/knowledge/load.js');
    const { readEvalFile } = await import('../../src/eval/evaluate.js');
    const { KNOWLEDGE_DIR, EVAL_FILE } = await import('../support/paths.js');
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    const texts = [...kb.entries.values()].flatMap((e) =>
      Object.entries(e.languages).flatMap(([lang, t]) => [t.question, ...t.variants, t.answer].map((text) => ({ lang, text }))));
    for (const item of await readEvalFile(EVAL_FILE)) texts.push({ lang: item.lang ?? 'en', text: item.q });
    texts.push(...["l'aide d'urgence", "112'yi arayın", '1,000.50 лв', 'e.g. ✉️ {{contact.email}}', 'می‌خواهم—برگردم'].map((text) => ({ lang: 'en', text })));
    const differing = texts.filter(({ text }) => {
      const clean = text.normalize('NFKC').replace(/[\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '');
      return tokenize(text).join('|') !== segmentWords(clean).join('|');
    });
    expect(texts.length).toBeGreaterThan(2500);
    expect(differing).toEqual([]);
  });

  it('hands scripts without spaces to Intl.Segmenter', () => {
    expect(tokenize('我想回家')).toEqual(segmentWords('我想回家'));
    expect(tokenize('我想回家').length).toBeGreaterThan(1);
  });
});
