import { Type, type Static } from 'typebox';
import { LANGUAGES } from '../languages.js';

const kebab = '^[a-z0-9]+(-[a-z0-9]+)*$';
const text = Type.String({ minLength: 1, pattern: '\\S' });

/** One language's version of an entry. */
export const EntryTranslationSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('reviewed'), Type.Literal('machine')]),
    question: text,
    variants: Type.Array(text, { minItems: 1 }),
    answer: text,
  },
  { additionalProperties: false },
);

/** The shape of one `knowledge/<id>.yaml` file. Cross-file rules live in validate.ts. */
export const EntryFileSchema = Type.Object(
  {
    id: Type.String({ pattern: kebab }),
    topic: Type.String({ pattern: kebab }),
    tags: Type.Array(Type.String({ pattern: kebab })),
    source: Type.Array(text, { minItems: 1 }),
    reviewed: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    related: Type.Optional(Type.Array(Type.String({ pattern: kebab }))),
    links: Type.Optional(
      Type.Array(
        Type.Object(
          { url: Type.String({ pattern: '^https://\\S+$' }), title: text },
          { additionalProperties: false },
        ),
      ),
    ),
    languages: Type.Object(
      Object.fromEntries(LANGUAGES.map((lang) => [lang, EntryTranslationSchema])) as {
        [K in (typeof LANGUAGES)[number]]: typeof EntryTranslationSchema;
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type EntryTranslation = Static<typeof EntryTranslationSchema>;
export type KnowledgeEntry = Static<typeof EntryFileSchema>;

/** `knowledge/contacts.yaml`: contact details answers show through placeholders. */
export const ContactsFileSchema = Type.Object(
  {
    verified: Type.Boolean(),
    contact: Type.Object(
      {
        organisation: Type.String(),
        address: Type.String(),
        phone: Type.String(),
        email: Type.String(),
        hours: Type.String(),
        website: Type.String(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type ContactsFile = Static<typeof ContactsFileSchema>;
