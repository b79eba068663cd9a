import type { KnowledgeBase } from '../knowledge/load.js';
import { LANGUAGES } from '../languages.js';
import type { EvalItem } from './items.js';

/**
 * Eval questions that the knowledge base holds word for word (same words in any order, case
 * and punctuation aside), as a question, variant, romanised spelling or out-of-scope example.
 * An eval set measures how the engine generalises; a question copied into the knowledge base
 * measures nothing, so `npm run eval` names them.
 */
export interface KnowledgeOverlap {
  readonly item: EvalItem;
  /** Where the knowledge base has it: `<entry id>.<lang>` or `out-of-scope.<lang>`. */
  readonly where: string;
}

function key(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .sort()
    .join(' ');
}

export function overlapWithKnowledge(items: readonly EvalItem[], knowledge: Pick<KnowledgeBase, 'entries' | 'outOfScope'>): KnowledgeOverlap[] {
  const where = new Map<string, string>();
  const add = (text: string, place: string) => {
    const k = key(text);
    if (k && !where.has(k)) where.set(k, place);
  };
  for (const entry of knowledge.entries.values()) {
    for (const lang of LANGUAGES) {
      const t = entry.languages[lang];
      for (const text of [t.question, ...t.variants, ...(t.romanised ?? [])]) add(text, `${entry.id}.${lang}`);
    }
  }
  for (const lang of LANGUAGES) for (const text of knowledge.outOfScope[lang] ?? []) add(text, `out-of-scope.${lang}`);
  return items.flatMap((item) => {
    const place = where.get(key(item.q));
    return place ? [{ item, where: place }] : [];
  });
}
