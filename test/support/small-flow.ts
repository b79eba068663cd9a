import type { Flow } from '../../src/knowledge/flow.js';
import { LANGUAGES } from '../../src/languages.js';

/** The same words in every language, tagged with the language (enough for structure tests). */
export const all = (text: string) => Object.fromEntries(LANGUAGES.map((lang) => [lang, `${text} (${lang})`])) as Flow['intro'];

/** A small valid check: two questions, two outcomes. */
export function smallFlow(): Flow {
  return {
    id: 'check',
    reviewed: '2026-12-01',
    source: ['[RL] Refugee Light Bulgaria'],
    translations: Object.fromEntries(LANGUAGES.map((lang) => [lang, lang === 'en' ? 'reviewed' : 'machine'])) as Flow['translations'],
    title: all('Can I get help to return?'),
    triggers: ['avrr-eligibility'],
    start: 'where',
    intro: all('A few questions'),
    steps: {
      where: {
        ask: all('Where to?'),
        options: [
          { id: 'home', label: all('Home'), next: 'status' },
          { id: 'unsure', label: all('Not sure'), next: 'counsellor', note: all('Ask IOM'), entries: ['contact-iom'] },
        ],
      },
      status: {
        ask: all('Your situation?'),
        options: [
          { id: 'pending', label: all('Pending'), next: 'can-apply', entries: ['avrr-pending-asylum'] },
          { id: 'other', label: all('Other'), next: 'counsellor' },
        ],
      },
    },
    outcomes: {
      'can-apply': { say: all('People like you can generally apply'), entries: ['avrr-eligibility'] },
      counsellor: { say: all('Please talk to a counsellor'), entries: ['contact-iom'] },
    },
    closing: all('A counsellor decides'),
  };
}

