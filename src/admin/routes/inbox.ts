import type { FastifyPluginAsync } from 'fastify';
import type { KnowledgeEntry } from '../../knowledge/schema.js';
import type { InsightsStore } from '../../storage/insights-store.js';
import { signedIn, type ConsoleKit } from '../console-kit.js';
import { groupQuestions } from '../inbox.js';
import { inboxPage, type InboxPageState, type Unhelpful } from '../inbox-page.js';
import type { InboxState } from '../inbox-state.js';
import type { KnowledgeEditor } from '../knowledge-editor.js';

export interface InboxRoutesOptions {
  kit: ConsoleKit;
  insights: Pick<InsightsStore, 'unanswered' | 'feedback'>;
  inbox: InboxState;
  knowledge: { entries: () => Iterable<KnowledgeEntry>; editor: KnowledgeEditor };
}

/** Learning from conversations: what the bot could not answer, and answers people found unhelpful. */
const inboxRoutes: FastifyPluginAsync<InboxRoutesOptions> = async (app, opts) => {
  const { kit } = opts;
  const groups = async () => groupQuestions(await opts.insights.unanswered(), await opts.inbox.handled());
  const unhelpful = async (): Promise<Unhelpful[]> => {
    const counts = new Map<string, Unhelpful>();
    for (const f of await opts.insights.feedback()) {
      if (f.helpful) continue;
      const key = `${f.entryId} ${f.lang}`;
      counts.set(key, { entryId: f.entryId, lang: f.lang, count: (counts.get(key)?.count ?? 0) + 1 });
    }
    return [...counts.values()].sort((a, b) => b.count - a.count);
  };
  const show = async (request: Parameters<typeof signedIn>[1], state: InboxPageState) =>
    inboxPage(signedIn(kit, request), await groups(), await unhelpful(), [...opts.knowledge.entries()], state);

  app.get<{ Querystring: { added?: string; dismissed?: string } }>(
    '/admin/inbox',
    { schema: { querystring: { type: 'object', properties: { added: { type: 'string', maxLength: 100 }, dismissed: { type: 'string' }, lang: { type: 'string' } } } } },
    async (request, reply) => {
      const { t, lang } = kit.context(request);
      const notice = request.query.added
        ? { kind: 'added' as const, text: t(lang, 'inbox.added', { id: request.query.added }) }
        : request.query.dismissed ? { kind: 'dismissed' as const, text: t(lang, 'inbox.dismissed') } : undefined;
      return kit.sendPage(reply, 200, await show(request, { notice }));
    },
  );

  const groupBody = { type: 'object', required: ['key'], properties: { key: { type: 'string', maxLength: 64 }, entryId: { type: 'string', maxLength: 100 }, _csrf: { type: 'string' } } } as const;

  // One click: the question becomes a variant of the entry, published and re-indexed at once.
  app.post<{ Body: { key: string; entryId?: string } }>('/admin/inbox/variant', { schema: { body: groupBody } }, async (request, reply) => {
    const group = (await groups()).find((g) => g.key === request.body.key);
    const { t, lang, session } = signedIn(kit, request);
    if (!group || !request.body.entryId) return kit.sendPage(reply, 404, await show(request, { notice: { kind: 'problem', text: t(lang, 'inbox.gone') } }));
    const result = await opts.knowledge.editor.addVariant(request.body.entryId, group.lang, group.text, session.email);
    if (!result?.published) {
      const reason = !result ? t(lang, 'inbox.gone') : 'conflict' in result ? t(lang, 'entry.conflict') : result.problems.map((p) => `${p.field ?? p.file}: ${p.message}`).join('; ');
      return kit.sendPage(reply, 422, await show(request, { notice: { kind: 'problem', text: reason } }));
    }
    await opts.inbox.markHandled(group.members);
    return reply.redirect(`/admin/inbox?added=${encodeURIComponent(request.body.entryId)}`, 303);
  });

  app.post<{ Body: { key: string } }>('/admin/inbox/dismiss', { schema: { body: groupBody } }, async (request, reply) => {
    const group = (await groups()).find((g) => g.key === request.body.key);
    if (group) await opts.inbox.markHandled(group.members);
    return reply.redirect('/admin/inbox?dismissed=1', 303);
  });
};

export default inboxRoutes;
