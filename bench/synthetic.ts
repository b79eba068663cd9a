import type { KnowledgeEntry } from '../src/knowledge/schema.js';
import { LANGUAGES, type Lang } from '../src/languages.js';
import { tokenize } from '../src/retrieval/text.js';
import { seededRandom } from '../test/support/seeded-random.js';

const INVENTED_WORD_SHARE = 0.05;

/**
 * A knowledge base of `size` entries in all eleven languages, built from the shipped entries'
 * words (so each language keeps its script, morphology and word lengths) plus made-up words
 * that grow the vocabulary the way a real, larger knowledge base would: one word in twenty is
 * new, about 60,000 distinct terms per language at 10,000 entries, the upper end of what
 * Heaps' law predicts for that much text.
 */
export function syntheticKnowledge(shipped: readonly KnowledgeEntry[], size: number, seed = 42): KnowledgeEntry[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const vocab = new Map<Lang, string[]>(LANGUAGES.map((lang) => [lang, shipped.flatMap((e) => {
    const t = e.languages[lang];
    return tokenize([t.question, ...t.variants, t.answer].join(' '));
  })]));
  const invented = (lang: Lang) => {
    const base = pick(vocab.get(lang) ?? ['x']);
    return base + base.slice(0, 1 + Math.floor(random() * 3)) + Math.floor(random() * 500).toString(36);
  };
  const sentence = (lang: Lang, words: number) =>
    Array.from({ length: words }, () => (random() < INVENTED_WORD_SHARE ? invented(lang) : pick(vocab.get(lang) ?? []))).join(' ');

  return Array.from({ length: size }, (_, i) => {
    const template = pick(shipped);
    const languages = Object.fromEntries(LANGUAGES.map((lang) => [lang, {
      status: 'machine' as const,
      question: sentence(lang, 6 + Math.floor(random() * 6)),
      variants: Array.from({ length: 6 }, () => sentence(lang, 4 + Math.floor(random() * 8))),
      answer: sentence(lang, 40 + Math.floor(random() * 50)),
    }])) as KnowledgeEntry['languages'];
    return { ...template, id: `synthetic-${i}`, related: [], languages };
  });
}

/** Questions for a synthetic base: variants with a word dropped and one letter changed, as people type. */
export function syntheticQueries(entries: readonly KnowledgeEntry[], count: number, seed = 7): { text: string; lang: Lang }[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const entry = entries[Math.floor(random() * entries.length)] as KnowledgeEntry;
    const lang = LANGUAGES[Math.floor(random() * LANGUAGES.length)] as Lang;
    const words = (entry.languages[lang].variants[0] ?? '').split(' ');
    words.splice(Math.floor(random() * words.length), 1);
    const w = Math.floor(random() * words.length);
    const word = words[w] ?? '';
    if (word.length > 5) words[w] = word.slice(0, 2) + word.slice(3);
    return { text: words.join(' '), lang };
  });
}
