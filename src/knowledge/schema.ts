import { LANGUAGES, type Lang } from '../languages.js';

/** One language's version of an entry. */
export interface EntryTranslation {
  /** `reviewed`: checked by a person; `machine`: a machine translation (the bot says so). */
  status: 'reviewed' | 'machine';
  question: string;
  variants: string[];
  /** Short Markdown. */
  answer: string;
}

/** One `knowledge/<id>.yaml` file. */
export interface KnowledgeEntry {
  id: string;
  topic: string;
  tags: string[];
  source: string[];
  reviewed: string;
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
