import { Ajv, type FuncKeywordDefinition, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/** A NUL or a UTF-16 surrogate without its pair: no one types them, and PostgreSQL refuses both. */
const MALFORMED = /[\0\uD800-\uDFFF]/u;

/**
 * A character someone can see: not white space, not a control or format character (zero-width
 * spaces and joiners, direction marks), not a default-ignorable one (Hangul fillers, variation
 * selectors), not a combining mark on its own, not a blank Braille cell.
 */
const VISIBLE = /[^\s\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** Every string in a JSON value, property names included, is free of NUL and unpaired surrogates. */
export function isWellFormed(value: unknown): boolean {
  if (typeof value === 'string') return !MALFORMED.test(value);
  if (Array.isArray(value)) return value.every(isWellFormed);
  if (value !== null && typeof value === 'object') return Object.entries(value).every(([key, item]) => !MALFORMED.test(key) && isWellFormed(item));
  return true;
}

/**
 * Keywords the routes' schemas share, so every public route refuses the same input the same way
 * (a 400 `FST_ERR_VALIDATION` naming the field), before any of it reaches the bot or the store:
 * - `wellFormedText: true` — on a body (or any value): no string in it holds a NUL or an
 *   unpaired surrogate;
 * - `visibleText: true` — on a string: at least one visible character, not only spaces or
 *   zero-width ones.
 */
export const TEXT_KEYWORDS: readonly FuncKeywordDefinition[] = [
  {
    keyword: 'wellFormedText',
    schemaType: 'boolean',
    errors: false,
    error: { message: 'must not contain NUL characters or unpaired surrogates' },
    validate: (enabled: boolean, data: unknown) => !enabled || isWellFormed(data),
  },
  {
    keyword: 'visibleText',
    type: 'string',
    schemaType: 'boolean',
    errors: false,
    error: { message: 'must contain a visible character, not only spaces or invisible ones' },
    validate: (enabled: boolean, data: string) => !enabled || VISIBLE.test(data),
  },
];

/**
 * Fastify's own defaults (see @fastify/ajv-compiler), with unknown properties refused, not dropped.
 * The routes' schemas are not checked against the JSON Schema meta-schema at each start (compiling
 * it took about 50 ms of start-up): test/server/route-schemas.test.ts checks them all. Strict mode
 * still refuses an unknown keyword when a schema is compiled.
 */
const BASE: Options = { useDefaults: true, removeAdditional: false, allErrors: false, validateSchema: false, keywords: [...TEXT_KEYWORDS] };

/**
 * JSON bodies are validated as sent: `{"text": 123}` is not a string, and a property the schema
 * does not allow is refused (a 400), not silently removed. Query strings, parameters and headers
 * are text by nature: they are still converted to the numbers or booleans their schemas ask for.
 */
const byPart = {
  body: new Ajv({ ...BASE, coerceTypes: false }),
  text: new Ajv({ ...BASE, coerceTypes: 'array' }),
};

/** The server's validator compiler (set once, in buildApp): one policy for every route. */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? byPart.body : byPart.text).compile(schema);
