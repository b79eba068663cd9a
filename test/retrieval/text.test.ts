import { describe, expect, it } from 'vitest';
import { foldText, termsOf } from '../../src/retrieval/text.js';

describe('text folding for search', () => {
  it('makes Arabic-keyboard and Persian-keyboard spellings meet', () => {
    expect(foldText('كيف')).toBe(foldText('کیف'));
    expect(foldText('إلى')).toBe(foldText('الی'));
    expect(foldText('مدرسة')).toBe(foldText('مدرسه'));
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
