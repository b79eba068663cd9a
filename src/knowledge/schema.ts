import { LANGUAGE_FACTS, romanisedLanguages } from '../language-facts.js';
import { LANGUAGES, type Lang } from '../languages.js';

/** One language's version of an entry. */
export interface EntryTranslation {
  /** `reviewed`: checked by a person; `machine`: a machine translation (the bot says so). */
  status: 'reviewed' | 'machine';
  question: string;
  variants: string[];
  /**
   * The question in Latin letters as people type it without their own keyboard (Arabizi,
   * Finglish, Roman Urdu, Latin Pashto, Bulgarian/Russian/Ukrainian in Latin letters). Only for
   * the languages in ROMANISED_LANGUAGES.
   */
  romanised?: string[];
  /** Short Markdown. */
  answer: string;
}

/**
 * The languages people often type in Latin letters (`romanised` in the table of language facts):
 * the only ones whose translations take `romanised`.
 */
export const ROMANISED_LANGUAGES: readonly Lang[] = romanisedLanguages(LANGUAGE_FACTS);

/** One `knowledge/<id>.yaml` file. */
export interface KnowledgeEntry {
  id: string;
  topic: string;
  tags: string[];
  source: string[];
  reviewed: string;
  /**
   * A referral: the answer says plainly what this assistant (and IOM's programme) cannot decide
   * or do, then where the person can turn.
   */
  referral?: boolean;
  related?: string[];
  links?: { url: string; title: string }[];
  languages: Record<Lang, EntryTranslation>;
}

/** `knowledge/contacts.yaml`: contact details answers show through placeholders. */
export interface ContactsFile {
  verified: boolean;
  contact: { organisation: string; address: string; phone: string; email: string; hours: string; website: string };
}

const kebab = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' } as const;
const text = { type: 'string', minLength: 1, pattern: '\\S' } as const;

const translationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'question', 'variants', 'answer'],
  properties: {
    status: { enum: ['reviewed', 'machine'] },
    question: text,
    variants: { type: 'array', minItems: 1, items: text },
    romanised: { type: 'array', items: text },
    answer: text,
  },
} as const;

/** JSON Schema of an entry file; the rules across files live in load.ts. */
export const entryFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'topic', 'tags', 'source', 'reviewed', 'languages'],
  properties: {
    id: kebab,
    topic: kebab,
    tags: { type: 'array', items: kebab },
    source: { type: 'array', minItems: 1, items: text },
    reviewed: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    referral: { type: 'boolean' },
    related: { type: 'array', items: kebab },
    links: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'title'],
        properties: { url: { type: 'string', pattern: '^https://\\S+$' }, title: text },
      },
    },
    languages: {
      type: 'object',
      additionalProperties: false,
      required: [...LANGUAGES],
      properties: Object.fromEntries(LANGUAGES.map((lang) => [lang, translationSchema])),
    },
  },
} as const;

/**
 * The entry with its fields in the schema's order (`referral` after `reviewed`, `romanised` after
 * `variants`), as the files have them, whatever order an edit added them in.
 */
export function orderedEntry(entry: KnowledgeEntry): KnowledgeEntry {
  const order = <T extends object>(value: T, keys: readonly string[]): T => {
    const source = value as Record<string, unknown>;
    const known = keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]);
    const rest = Object.entries(source).filter(([k]) => !keys.includes(k));
    return Object.fromEntries([...known, ...rest]) as T;
  };
  const translationKeys = Object.keys(translationSchema.properties);
  const languages = Object.fromEntries(Object.entries(entry.languages).map(([lang, t]) => [lang, order(t, translationKeys)]));
  return order({ ...entry, languages } as KnowledgeEntry, Object.keys(entryFileSchema.properties));
}

export const contactsFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['verified', 'contact'],
  properties: {
    verified: { type: 'boolean' },
    contact: {
      type: 'object',
      additionalProperties: false,
      required: ['organisation', 'address', 'phone', 'email', 'hours', 'website'],
      properties: Object.fromEntries(['organisation', 'address', 'phone', 'email', 'hours', 'website'].map((k) => [k, { type: 'string' }])),
    },
  },
} as const;

/** The approved and the forbidden words for one concept in one language. */
export interface GlossaryTerms {
  /** Approved terms (at least one). A term ending in `*` matches any ending of its last word. */
  use: string[];
  /** Terms that must not be used for this concept in this language. */
  avoid?: string[];
}

/** `knowledge/glossary.yaml`: the words that carry the meaning, per concept and language. */
export interface GlossaryFile {
  concepts: Record<string, Record<Lang, GlossaryTerms>>;
}

/** `knowledge/out-of-scope.yaml`: questions no entry answers, per language (for the engine's calibration). */
export interface OutOfScopeFile {
  examples: Record<Lang, string[]>;
}

const termList = { type: 'array', items: text } as const;
const glossaryTermsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['use'],
  properties: { use: { ...termList, minItems: 1 }, avoid: termList },
} as const;

export const glossaryFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['concepts'],
  properties: {
    concepts: {
      type: 'object',
      minProperties: 1,
      propertyNames: kebab,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: [...LANGUAGES],
        properties: Object.fromEntries(LANGUAGES.map((lang) => [lang, glossaryTermsSchema])),
      },
    },
  },
} as const;

/** The fewest out-of-scope examples each language needs. */
export const MIN_OUT_OF_SCOPE_EXAMPLES = 20;

export const outOfScopeFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['examples'],
  properties: {
    examples: {
      type: 'object',
      additionalProperties: false,
      required: [...LANGUAGES],
      properties: Object.fromEntries(LANGUAGES.map((lang) => [lang, { type: 'array', minItems: MIN_OUT_OF_SCOPE_EXAMPLES, items: text }])),
    },
  },
} as const;
