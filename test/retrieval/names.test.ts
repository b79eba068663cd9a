import { describe, expect, it } from 'vitest';
import { nameReading } from '../../src/retrieval/names.js';

describe('reading names as one word', () => {
  const read = nameReading(['IOM', 'МОМ', 'International Organization for Migration', 'Международн* организаци* по миграции', 'المنظمة الدولية للهجرة'], 'iom');

  it('reads each name of several words, folded and with any ending where it has a *, as the one word', () => {
    expect(read('Does the INTERNATIONAL Organization  for Migration pay?')).toBe('does the iom pay?');
    expect(read('Платит ли Международная организация по миграции за билет?')).toBe('платит ли iom за билет?');
    expect(read('هل تدفع المنظمة الدولية للهجرة ثمن التذكرة؟')).toContain('تدفع iom ثمن');
  });

  it('reads an abbreviation in another script as the one word too, and only as a whole word', () => {
    expect(read('Плаща ли МОМ билета?')).toBe('плаща ли iom билета?');
    expect(read('мома')).toBe('мома');
  });

  it('gives back a text without a name as it came, and a name inside a longer word is no name', () => {
    for (const text of ['Does IOM pay for the ticket?', 'An international organization of migrants', 'Subinternational Organization for Migrations']) expect(read(text)).toBe(text);
  });

  it('reads nothing when the only name is the word itself', () => {
    expect(nameReading(['IOM'], 'iom')('International Organization for Migration')).toBe('International Organization for Migration');
  });
});
