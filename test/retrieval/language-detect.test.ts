import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../src/retrieval/language-detect.js';
import { KeywordIndex } from '../../src/retrieval/keyword-index.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';

const index = KeywordIndex.build((await loadKnowledgeBase(KNOWLEDGE_DIR)).entries.values());

describe('language detection of short messages', () => {
  it.each([
    ['en', 'how can I go back home'],
    ['fr', 'comment rentrer chez moi'],
    ['tr', 'eve nasıl dönebilirim'],
    ['ku', 'ez çawa dikarim vegerim welatê xwe'],
    ['ru', 'как мне вернуться домой'],
    ['uk', 'як мені повернутися додому'],
    ['bg', 'как да се върна у дома'],
    ['ar', 'كيف أعود إلى بلدي'],
    ['fa', 'چطور به کشورم برگردم'],
    ['ur', 'میں گھر واپس کیسے جاؤں'],
    ['ps', 'زه څنګه بېرته خپل هېواد ته ستون شم'],
  ] as const)('tells %s: "%s"', (lang, text) => {
    const guess = detectLanguage(text, index);
    expect(guess.lang).toBe(lang);
    expect(guess.confidence).toBeGreaterThan(0.5);
  });

  it('tells Arabic from Farsi by the letters a keyboard writes', () => {
    expect(detectLanguage('ممكن مساعدة', index).lang).toBe('ar');
    expect(detectLanguage('ممکن کمک', index).lang).toBe('fa');
  });

  it('is not swayed by English keywords (tags) present in every language (a regression)', () => {
    expect(detectLanguage('IOM phone number', index).lang).toBe('en');
  });

  it('falls back, with no confidence, on text without letters', () => {
    expect(detectLanguage('👍 ?!', index, 'fr')).toEqual({ lang: 'fr', confidence: 0 });
  });
});
