import { describe, expect, it } from 'vitest';
import { nameReading } from '../../src/retrieval/names.js';

describe('reading names as one word', () => {
  const read = nameReading([
    { lang: 'en', term: 'IOM' },
    { lang: 'bg', term: 'МОМ' },
    { lang: 'en', term: 'International Organization for Migration' },
    { lang: 'ru', term: 'Международн* организаци* по миграции' },
    { lang: 'ar', term: 'المنظمة الدولية للهجرة' },
  ], 'iom');

  it('reads each name of several words, folded and with any ending where it has a *, as the one word', () => {
    expect(read('Does the INTERNATIONAL Organization  for Migration pay?')).toBe('does the iom pay?');
    expect(read('Платит ли Международная организация по миграции за билет?')).toBe('платит ли iom за билет?');
    expect(read('هل تدفع المنظمة الدولية للهجرة ثمن التذكرة؟')).toContain('تدفع iom ثمن');
  });

  it('finds a name as the glossary finds its terms: in Arabic with ال merged after ل, and twice in one text', () => {
    expect(read('تابع للمنظمة الدولية للهجرة')).toBe('تابع ل iom');
    expect(read('IOM or the International Organization for Migration, and МОМ')).toBe('iom or the iom, and iom');
  });

  it('reads an abbreviation in another script as the one word too, and only as a whole word', () => {
    expect(read('Плаща ли МОМ билета?')).toBe('плаща ли iom билета?');
    expect(read('мома')).toBe('мома');
  });

  it('gives back a text without a name as it came, and a name inside a longer word is no name', () => {
    for (const text of ['Does IOM pay for the ticket?', 'An international organization of migrants', 'Subinternational Organization for Migrations']) expect(read(text)).toBe(text);
  });

  it('reads nothing when the only name is the word itself', () => {
    expect(nameReading([{ lang: 'en', term: 'IOM' }], 'iom')('International Organization for Migration')).toBe('International Organization for Migration');
  });
});
