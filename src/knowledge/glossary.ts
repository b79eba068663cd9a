import { LANGUAGE_FACTS, SCRIPT_GROUPS } from '../language-facts.js';
import { LANGUAGES, type Lang } from '../languages.js';
import { foldText } from '../retrieval/text.js';
import type { GlossaryFile, KnowledgeEntry } from './schema.js';

/** Languages in Arabic script (Arabic, Farsi, Pashto, Urdu) attach prefixes and particles to words: their terms match anywhere. */
const ARABIC_SCRIPT: ReadonlySet<Lang> = new Set(SCRIPT_GROUPS.arabic);

/** A finding of the glossary in one field of an entry: a problem (forbidden term) or a warning. */
export interface GlossaryFinding {
  readonly field: string;
  readonly message: string;
}

/**
 * The form glossary terms and entry texts are compared in: `foldText` (case, diacritics,
 * Arabic-script letter forms), typographic quotes dropped (`Дирекция „Миграция“` and
 * `Дирекция Миграция` meet), apostrophes made one, whitespace single.
 */
export function foldForGlossary(text: string): string {
  return foldText(text)
    .replace(/["«»„“”‟‹›]/g, '')
    .replace(/[’ʼ‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** A letter, mark or digit: what a word is made of. Tested one character at a time. */
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;

/** Whether the character that starts at `i` (a whole code point) is part of a word. */
function wordCharAt(text: string, i: number): boolean {
  const code = text.codePointAt(i);
  return code !== undefined && WORD_CHAR.test(String.fromCodePoint(code));
}

/** Whether the character that ends just before `i` is part of a word. */
function wordCharBefore(text: string, i: number): boolean {
  if (i <= 0) return false;
  const low = text.charCodeAt(i - 1);
  const pair = low >= 0xdc00 && low <= 0xdfff && i >= 2;
  return WORD_CHAR.test(text.slice(pair ? i - 2 : i - 1, i));
}

/** One word of a term: the spellings it may start with, and whether it takes any ending (`*`). */
interface TermWord {
  readonly forms: readonly string[];
  readonly open: boolean;
}

/** Where a term occurs in folded text: the first occurrence from `from` on, as [start, end). */
export type TermFinder = (foldedText: string, from?: number) => { readonly start: number; readonly end: number } | undefined;

/**
 * A term as a search in folded text (`foldForGlossary`). A `*` at the end of a word matches any
 * ending of that word (`реинтеграци*` finds реинтеграция and реинтеграцията). In Arabic-script
 * languages a term matches anywhere in the text; in the others it must start and end on a word
 * boundary. Matched by hand, not by a regular expression per term: one with Unicode letter
 * classes takes about a millisecond and a half to build, which a knowledge base check paid for
 * every term.
 */
export function termFinder(lang: Lang, term: string): TermFinder {
  const words = foldForGlossary(term).split(' ').filter(Boolean).map((word) => termWord(lang, word));
  const bounded = !ARABIC_SCRIPT.has(lang);
  const first = words[0];
  if (!first) return () => undefined;

  // Where word `k` and those after it end, matched from `at`, or -1; the text's spaces are single (foldForGlossary).
  const endFrom = (text: string, at: number, k: number): number => {
    const word = words[k];
    if (!word) return at;
    for (const form of word.forms) {
      if (!text.startsWith(form, at)) continue;
      let end = at + form.length;
      // Greedy is exact: giving back a letter would put a letter where a space or the end must be.
      if (word.open) while (end < text.length && wordCharAt(text, end)) end += text.codePointAt(end)! > 0xffff ? 2 : 1;
      if (k === words.length - 1) {
        if (!bounded || !wordCharAt(text, end)) return end;
      } else if (text[end] === ' ') {
        const rest = endFrom(text, end + 1, k + 1);
        if (rest >= 0) return rest;
      }
    }
    return -1;
  };

  return (text, from = 0) => {
    let found: { start: number; end: number } | undefined;
    for (const form of first.forms) {
      for (let at = text.indexOf(form, from); at !== -1 && at < (found?.start ?? Number.POSITIVE_INFINITY); at = at < text.length ? text.indexOf(form, at + 1) : -1) {
        if (bounded && wordCharBefore(text, at)) continue;
        const end = endFrom(text, at, 0);
        if (end >= 0) {
          found = { start: at, end };
          break;
        }
      }
    }
    return found;
  };
}

/** A term as a test on folded text (see `termFinder`). */
export function termMatcher(lang: Lang, term: string): (foldedText: string) => boolean {
  const find = termFinder(lang, term);
  return (text) => find(text) !== undefined;
}

/**
 * One word of a term. Where a language's article merges with a preposition before it (Arabic ال
 * after ل: المنظمة, للمنظمة), a word written with the article may also start merged.
 */
function termWord(lang: Lang, word: string): TermWord {
  const open = word.endsWith('*');
  const stem = word.replace(/\*+$/, '');
  const article = LANGUAGE_FACTS[lang].article;
  if (article && stem.startsWith(article.prefix) && stem.length > article.prefix.length + 1) {
    const rest = stem.slice(article.prefix.length);
    return { forms: [article.prefix, ...article.merged].map((prefix) => prefix + rest), open };
  }
  return { forms: [stem], open };
}

interface CompiledTerm {
  readonly term: string;
  readonly test: (foldedText: string) => boolean;
}

interface CompiledConcept {
  readonly name: string;
  readonly use: Readonly<Record<Lang, readonly CompiledTerm[]>>;
  readonly avoid: Readonly<Record<Lang, readonly CompiledTerm[]>>;
}

/** Terms as staff read them in a message: a word's open ending (`*`) shown as `…`. */
const shown = (term: string) => term.replace(/\*/g, '…');
const quoteList = (terms: readonly { term: string }[]) => terms.map((t) => `"${shown(t.term)}"`).join(' or ');

/**
 * The glossary (`knowledge/glossary.yaml`) applied to entries: a forbidden term in a question,
 * variant or answer is a problem; an answer that leaves out a concept its English answer names
 * is a warning.
 */
export class Glossary {
  private constructor(private readonly concepts: readonly CompiledConcept[]) {}

  static compile(file: GlossaryFile): Glossary {
    const compile = (lang: Lang, terms: readonly string[] | undefined) => (terms ?? []).map((term) => ({ term, test: termMatcher(lang, term) }));
    return new Glossary(
      Object.entries(file.concepts).map(([name, byLang]) => ({
        name,
        use: Object.fromEntries(LANGUAGES.map((l) => [l, compile(l, byLang[l].use)])) as Record<Lang, CompiledTerm[]>,
        avoid: Object.fromEntries(LANGUAGES.map((l) => [l, compile(l, byLang[l].avoid)])) as Record<Lang, CompiledTerm[]>,
      })),
    );
  }

  /** Problems in the glossary itself: a term both approved and forbidden in one language, for any concept. */
  static problemsOf(file: GlossaryFile): GlossaryFinding[] {
    const found: GlossaryFinding[] = [];
    const concepts = Object.entries(file.concepts);
    for (const lang of LANGUAGES) {
      const approved = concepts.flatMap(([name, byLang]) => byLang[lang].use.map((term) => ({ name, term, folded: foldForGlossary(term.replace(/\*/g, '')) })));
      for (const [name, byLang] of concepts) {
        (byLang[lang].avoid ?? []).forEach((term, i) => {
          const test = termMatcher(lang, term);
          const clash = approved.find((a) => test(a.folded));
          if (clash) found.push({ field: `concepts.${name}.${lang}.avoid[${i}]`, message: `forbids "${shown(term)}", which matches "${shown(clash.term)}", an approved term for "${clash.name}"` });
        });
      }
    }
    return found;
  }

  /** Forbidden terms in an entry's questions, variants and answers, each with the approved term. */
  forbiddenIn(entry: KnowledgeEntry): GlossaryFinding[] {
    const found: GlossaryFinding[] = [];
    for (const lang of LANGUAGES) {
      const t = entry.languages[lang];
      const fields: [string, string][] = [
        [`languages.${lang}.question`, t.question],
        ...t.variants.map((v, i): [string, string] => [`languages.${lang}.variants[${i}]`, v]),
        [`languages.${lang}.answer`, t.answer],
      ];
      for (const [field, text] of fields) {
        const folded = foldForGlossary(text);
        for (const concept of this.concepts) {
          for (const bad of concept.avoid[lang]) {
            if (bad.test(folded)) {
              found.push({ field, message: `uses "${shown(bad.term)}", which the glossary forbids for "${concept.name}": use ${quoteList(concept.use[lang])}` });
            }
          }
        }
      }
    }
    return found;
  }

  /**
   * Concepts the English answer names (one of its approved English terms) while another
   * language's answer uses none of that language's approved terms.
   */
  missingIn(entry: KnowledgeEntry): GlossaryFinding[] {
    const found: GlossaryFinding[] = [];
    const english = foldForGlossary(entry.languages.en.answer);
    const named = this.concepts.filter((c) => c.use.en.some((u) => u.test(english)));
    for (const lang of LANGUAGES) {
      if (lang === 'en' || named.length === 0) continue;
      const answer = foldForGlossary(entry.languages[lang].answer);
      for (const concept of named) {
        if (concept.use[lang].some((u) => u.test(answer))) continue;
        found.push({ field: `languages.${lang}.answer`, message: `the English answer names "${concept.name}", but this answer uses none of its approved terms: ${quoteList(concept.use[lang])}` });
      }
    }
    return found;
  }
}
