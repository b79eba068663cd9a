import type { FastifyPluginAsync } from 'fastify';
import { Document, parse, parseDocument } from 'yaml';
import { GLOSSARY_FILE, OUT_OF_SCOPE_FILE } from '../../knowledge/load.js';
import type { GlossaryFile, OutOfScopeFile } from '../../knowledge/schema.js';
import { LANGUAGES, type Lang } from '../../languages.js';
import { signedIn, type ConsoleKit } from '../console-kit.js';
import type { KnowledgeEditor } from '../knowledge-editor.js';
import { glossaryPage, outOfScopePage } from '../wording-pages.js';

export interface WordingRoutesOptions {
  kit: ConsoleKit;
  knowledge: { editor: KnowledgeEditor };
}

/**
 * The words around the entries: the glossary (read-only: it is reviewed as a file, in git) and
 * the out-of-scope examples (edited here, checked and published like an entry, and logged).
 */
const wordingRoutes: FastifyPluginAsync<WordingRoutesOptions> = async (app, opts) => {
  const { kit } = opts;
  const { editor } = opts.knowledge;

  app.get('/admin/glossary', async (request, reply) => {
    const { text } = await editor.readFile(GLOSSARY_FILE);
    return kit.sendPage(reply, 200, glossaryPage(kit.context(request), readYaml<GlossaryFile>(text)));
  });

  app.get<{ Querystring: { published?: string } }>('/admin/out-of-scope', async (request, reply) => {
    const { text, version } = await editor.readFile(OUT_OF_SCOPE_FILE);
    const notice = request.query.published ? ('published' as const) : undefined;
    return kit.sendPage(reply, 200, outOfScopePage(signedIn(kit, request), examplesOf(readYaml<OutOfScopeFile>(text)), { version, notice }));
  });

  const fields = Object.fromEntries(LANGUAGES.map((l) => [`examples.${l}`, { type: 'string', maxLength: 50_000 }]));
  app.post<{ Body: Record<string, string> }>(
    '/admin/out-of-scope',
    { schema: { body: { type: 'object', required: ['version'], additionalProperties: false, properties: { version: { type: 'string', maxLength: 64 }, _csrf: { type: 'string', maxLength: 100 }, ...fields } } } },
    async (request, reply) => {
      const context = signedIn(kit, request);
      const { text: before } = await editor.readFile(OUT_OF_SCOPE_FILE);
      const current = examplesOf(readYaml<OutOfScopeFile>(before));
      const examples = Object.fromEntries(
        LANGUAGES.map((l) => {
          const sent = request.body[`examples.${l}`];
          return [l, sent === undefined ? [...current[l]] : sent.split(/\r?\n/).map((line) => line.trim()).filter(Boolean)];
        }),
      ) as Record<Lang, string[]>;
      const version = request.body.version ?? '';
      const result = await editor.publishFile(OUT_OF_SCOPE_FILE, outOfScopeText(before, examples), version, context.session.email);
      if (result.published) return reply.redirect('/admin/out-of-scope?published=1', 303);
      if ('conflict' in result) return kit.sendPage(reply, 409, outOfScopePage(context, examples, { version, notice: 'conflict' }));
      request.log.info({ problems: result.problems.length }, 'console: out-of-scope examples refused by validation');
      return kit.sendPage(reply, 422, outOfScopePage(context, examples, { version, notice: 'problems', problems: result.problems }));
    },
  );
};

/** A published file's data; undefined when it is absent (or, published by hand, unreadable). */
function readYaml<T>(text: string): T | undefined {
  if (!text.trim()) return undefined;
  try {
    return parse(text) as T;
  } catch {
    return undefined;
  }
}

function examplesOf(file: OutOfScopeFile | undefined): Record<Lang, readonly string[]> {
  const listOf = (lang: Lang): readonly string[] => {
    const list = file?.examples?.[lang];
    return Array.isArray(list) ? list : [];
  };
  return Object.fromEntries(LANGUAGES.map((l) => [l, listOf(l)])) as Record<Lang, readonly string[]>;
}

/** The file with new examples, keeping its comments (the note to staff at the top). */
export function outOfScopeText(current: string, examples: Readonly<Record<Lang, readonly string[]>>): string {
  const parsed = current.trim() ? parseDocument(current) : undefined;
  const doc = parsed && parsed.errors.length === 0 && parsed.get('examples') ? parsed : new Document({ examples: {} });
  if (parsed?.commentBefore && doc !== parsed) doc.commentBefore = parsed.commentBefore;
  for (const lang of LANGUAGES) doc.setIn(['examples', lang], doc.createNode([...examples[lang]]));
  return doc.toString({ lineWidth: 0 });
}

export default wordingRoutes;
