import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LANGUAGES, type Lang } from '../src/languages.js';
import { AskResponseSchema } from '../src/server/plugins/ask-api.js';

/**
 * The benchmark's yardstick: a bare Fastify route that validates the same body as /api/ask and
 * serialises a fixed answer with the same response schema. /api/ask is compared with it.
 */
const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
const fixed = {
  lang: 'en' as Lang, detectedLang: 'en' as Lang, detectedConfidence: 1, kind: 'answer' as const, entryId: 'avrr-overview',
  answer: 'A fixed answer of about the length of a real one. '.repeat(8), confidence: 1, suggestions: [], mode: 'keyword' as const,
};
app.post('/api/ask', {
  schema: {
    body: Type.Object({
      text: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' }),
      lang: Type.Optional(Type.Unsafe<Lang>({ type: 'string', enum: [...LANGUAGES] })),
    }, { additionalProperties: false }),
    response: { 200: AskResponseSchema },
  },
}, async () => fixed);
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
