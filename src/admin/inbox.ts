import { createHash } from 'node:crypto';
import type { Lang } from '../languages.js';
import type { AnswerEngine } from '../retrieval/engine.js';
import { foldText, termsOf } from '../retrieval/text.js';
import type { UnansweredQuestion } from '../storage/insights-store.js';

/** Questions the bot could not answer that say much the same, in one language. */
export interface QuestionGroup {
  /** The group's newest question's key: how the page names the group. */
  readonly key: string;
  readonly lang: Lang;
  /** The group's most recent question, shown and offered as the variant to add. */
  readonly text: string;
  readonly count: number;
  readonly lastAt: string;
  /** The examples (up to five, newest first). */
  readonly examples: readonly string[];
  /** Every question's key, for dismissing the whole group. */
  readonly members: readonly string[];
}

/** Two questions are grouped when they share at least this share of their terms (Jaccard). */
const SIMILAR = 0.5;

export const groupKey = (lang: Lang, text: string) => createHash('sha256').update(`${lang}\n${foldText(text).trim()}`).digest('base64url').slice(0, 16);

/**
 * Groups unanswered questions by language and similarity (the stemmed terms the keyword index
 * uses; a question joins the first group whose first question shares half its terms), largest
 * groups first. Small and greedy on purpose: the inbox holds at most a few thousand questions.
 */
export function groupQuestions(questions: readonly UnansweredQuestion[], dismissed: ReadonlySet<string> = new Set()): QuestionGroup[] {
  interface Building { key: string; lang: Lang; terms: Set<string>; items: UnansweredQuestion[] }
  const groups: Building[] = [];
  // A dismissed question stays hidden; a new one like it starts a group again.
  const newestFirst = questions.filter((q) => !dismissed.has(groupKey(q.lang, q.text))).sort((a, b) => b.at.localeCompare(a.at));
  for (const question of newestFirst) {
    const terms = new Set(termsOf(question.text, question.lang));
    const group = groups.find((g) => g.lang === question.lang && similarity(g.terms, terms) >= SIMILAR);
    if (group) group.items.push(question);
    else groups.push({ key: groupKey(question.lang, question.text), lang: question.lang, terms, items: [question] });
  }
  return groups
    .map((g) => ({
      key: g.key,
      lang: g.lang,
      text: g.items[0]!.text,
      count: g.items.length,
      lastAt: g.items[0]!.at,
      examples: [...new Set(g.items.map((q) => q.text))].slice(0, 5),
      members: [...new Set(g.items.map((q) => groupKey(q.lang, q.text)))],
    }))
    .sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt));
}

function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}

/** How the engine reads a question now: the language it detects and its best entries. */
export interface EngineReading {
  readonly detectedLang: Lang;
  /** 0–1. */
  readonly detectedConfidence: number;
  /**
   * At most three, best first, each with the engine's confidence (0–1) and whether it reaches
   * the engine's suggestion threshold (what it would offer the person as "did you mean").
   */
  readonly candidates: readonly { readonly entryId: string; readonly confidence: number; readonly suggested: boolean }[];
}

/** Candidates an inbox question shows. */
const CANDIDATES = 3;

/**
 * Asks the engine about a question from the inbox as it was asked (in a conversation in
 * `lang`), with its candidates: the knowledge may have changed since.
 */
export async function readQuestion(engine: Pick<AnswerEngine, 'ask' | 'options'>, text: string, lang: Lang): Promise<EngineReading> {
  const result = await engine.ask({ text, conversationLang: lang }, { explain: true });
  return {
    detectedLang: result.detectedLang,
    detectedConfidence: result.detectedConfidence,
    candidates: (result.candidates ?? []).slice(0, CANDIDATES).map((c) => ({ entryId: c.entryId, confidence: c.confidence, suggested: c.confidence >= engine.options.suggestionThreshold })),
  };
}
