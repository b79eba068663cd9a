// lane: integration
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { describe, expect, it, vi } from 'vitest';

/** Every schema the server compiles for its routes, with where it is used. */
const compiled = vi.hoisted(() => [] as { route: string; schema: object }[]);

vi.mock('../../src/server/validation.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/server/validation.js')>();
  const validatorCompiler: FastifySchemaCompiler<object> = (route) => {
    compiled.push({ route: `${route.method} ${route.url} (${route.httpPart})`, schema: route.schema });
    return original.validatorCompiler(route);
  };
  return { ...original, validatorCompiler };
});

// Test files share a worker's modules (vitest's isolate is off): one that ran before may have
// loaded the server with the real compiler. Loaded afresh here, the server gets the mock.
vi.resetModules();
const { TEXT_KEYWORDS } = await import('../../src/server/validation.js');
const { useConsoleServer } = await import('../support/console-server.js');
const startServer = useConsoleServer();

describe('the routes\' schemas', () => {
  it('are all valid JSON Schema, as the server does not check at start-up: the web chat\'s, /api/ask\'s and the console\'s', async () => {
    await startServer({ webChat: true });
    const routes = compiled.map((c) => c.route);
    expect(routes).toEqual(expect.arrayContaining([expect.stringMatching(/^POST \/api\/ask /), expect.stringMatching(/^POST \/v3\/directline\/conversations\/:conversationId\/activities /), expect.stringMatching(/^\w+ \/admin\//)]));
    const checker = new Ajv({ keywords: [...TEXT_KEYWORDS] });
    const invalid = compiled.filter(({ schema }) => !checker.validateSchema(schema)).map(({ route }) => `${route}: ${checker.errorsText()}`);
    expect(invalid).toEqual([]);
  });

  it('would catch a schema that is not JSON Schema', () => {
    const checker = new Ajv({ keywords: [...TEXT_KEYWORDS] });
    expect(checker.validateSchema({ type: 'object', properties: { text: { type: 'string', maxLength: '500' } } })).toBe(false);
  });
});
