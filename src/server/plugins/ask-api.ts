import { SMALL_TALK_INTENTS } from '../../i18n/locales.js';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import { LANGUAGES, type Lang } from '../../languages.js';

export interface AskApiOptions {
  /** Longest question accepted, in characters. */
  maxQuestionLength: number;
  /** Requests per client and minute. */
  rateLimitMax: number;
  /** Where the counts live when several instances share them; default: this process. */
  rateLimitStore?: FastifyRateLimitStoreCtor;
}

export interface AskBody {
  text: string;
  lang?: Lang;
}

const langSchema = { type: 'string', enum: [...LANGUAGES] } as const;

/**
 * What `POST /api/ask` accepts, exactly: a string of text with something visible in it, an
 * optional language, nothing else. The keywords are the server's own (see server/validation.ts):
 * compile it with that validator compiler.
 */
export function askBodySchema(maxQuestionLength: number) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['text'],
    wellFormedText: true,
    properties: {
      text: { type: 'string', minLength: 1, maxLength: maxQuestionLength, visibleText: true },
      lang: langSchema,
    },
  } as const;
}

/** The reply of `POST /api/ask`, as documented in the README. */
export const askResponseSchema = {
  type: 'object',
  required: ['lang', 'detectedLang', 'detectedConfidence', 'kind', 'entryId', 'answer', 'confidence', 'suggestions', 'mode'],
  properties: {
    lang: langSchema,
    detectedLang: langSchema,
    detectedConfidence: { type: 'number' },
    kind: { type: 'string', enum: ['answer', 'fallback', 'smalltalk', 'emergency', 'clarify'] },
    entryId: { type: ['string', 'null'] },
    answer: { type: 'string' },
    confidence: { type: 'number' },
    suggestions: {
      type: 'array',
      items: { type: 'object', required: ['entryId', 'question'], properties: { entryId: { type: 'string' }, question: { type: 'string' } } },
    },
    alsoAsked: {
      type: 'array',
      items: { type: 'object', required: ['entryId', 'question'], properties: { entryId: { type: 'string' }, question: { type: 'string' } } },
    },
    mode: { type: 'string', enum: ['keyword', 'hybrid'] },
    /** With small talk: which (`person`: the message asks to talk to a person). */
    intent: { type: 'string', enum: [...SMALL_TALK_INTENTS] },
  },
} as const;

/** `POST /api/ask`: one question in, one answer (or an honest fallback) out. */
const askApi: FastifyPluginAsync<AskApiOptions> = async (app, opts) => {
  // A shared store that cannot be reached must not turn every request into an error.
  await app.register(rateLimit, { global: false, store: opts.rateLimitStore, skipOnError: true });

  app.post<{ Body: AskBody }>(
    '/api/ask',
    {
      bodyLimit: 4 * opts.maxQuestionLength + 1024,
      config: { rateLimit: { max: opts.rateLimitMax, timeWindow: '1 minute' } },
      schema: {
        body: askBodySchema(opts.maxQuestionLength),
        response: { 200: askResponseSchema },
      },
      // The schema documents the reply; V8's JSON.stringify writes its long non-ASCII answers
      // faster than a compiled serializer (measured: ~50 µs a reply).
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request) => app.engine.ask(request.body),
  );
};

export default askApi;
