import Fastify from 'fastify';
import type { Lang } from '../src/languages.js';
import { askBodySchema, askResponseSchema } from '../src/server/plugins/ask-api.js';
import { validatorCompiler } from '../src/server/validation.js';

/**
 * The benchmark's yardstick: a bare Fastify route that validates the same body as /api/ask and
 * returns a fixed answer with the same response schema. /api/ask is compared with it.
 */
const app = Fastify({ logger: false });
// The server's own validator: the schema uses its text keywords.
app.setValidatorCompiler(validatorCompiler);
const fixed = {
  lang: 'en' as Lang, detectedLang: 'en' as Lang, detectedConfidence: 1, kind: 'answer' as const, entryId: 'avrr-overview',
  answer: 'A fixed answer of about the length of a real one. '.repeat(8), confidence: 1, suggestions: [], mode: 'keyword' as const,
};
app.post('/api/ask', { schema: { body: askBodySchema(1000), response: { 200: askResponseSchema } } }, async () => fixed);
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
