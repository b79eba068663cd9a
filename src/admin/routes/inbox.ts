import type { FastifyBaseLogger, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { InsightsStore } from '../../storage/insights-store.js';
import { signedIn, type ConsoleKit, type ConsoleKnowledge } from '../console-kit.js';
import { groupQuestions, type QuestionGroup } from '../inbox.js';
import { inboxPage, type InboxGroupView, type InboxPageState, type Unhelpful } from '../inbox-page.js';
import type { InboxState } from '../inbox-state.js';

export interface InboxRoutesOptions {
  kit: ConsoleKit;
  insights: Pick<InsightsStore, 'unanswered' | 'feedback'>;
  inbox: InboxState;
  knowledge: Pick<ConsoleKnowledge, 'entries' | 'editor' | 'explain'>;
}

/** Groups on one page: the engine reads each one's question for it, so the page stays bounded. */
export const INBOX_PAGE_GROUPS = 50;

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
  // How the engine reads each question now (the knowledge may have changed since it was asked).
  // A question the engine cannot read is still shown, without its candidates.
  const read = (group: QuestionGroup, log: FastifyBaseLogger): Promise<InboxGroupView> =>
    opts.knowledge.explain(group.text, group.lang).then(
      (reading) => ({ ...group, reading }),
      (error: unknown) => {
        log.warn({ err: (error as Error).message }, 'inbox: the engine could not read a question');
        return group;
      },
    );
  const show = async (request: FastifyRequest, state: InboxPageState) => {
    const all = await groups();
    const shown = await Promise.all(all.slice(0, INBOX_PAGE_GROUPS).map((group) => read(group, request.log)));
    return inboxPage(signedIn(kit, request), shown, await unhelpful(), [...opts.knowledge.entries()], { ...state, more: all.length - shown.length });
  };

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

  const groupBody = {
    type: 'object',
    required: ['key'],
    properties: { key: { type: 'string', maxLength: 64 }, entryId: { type: 'string', maxLength: 100 }, otherEntryId: { type: 'string', maxLength: 100 }, _csrf: { type: 'string' } },
  } as const;

  // The entry staff picked (one of the engine's best, or another): the question becomes a way of
  // asking it, published and re-indexed at once. "A new entry" opens the new-entry form with it.
  app.post<{ Body: { key: string; entryId?: string; otherEntryId?: string } }>('/admin/inbox/variant', { schema: { body: groupBody } }, async (request, reply) => {
    const group = (await groups()).find((g) => g.key === request.body.key);
    const { t, lang, session } = signedIn(kit, request);
    if (!group) return kit.sendPage(reply, 404, await show(request, { notice: { kind: 'problem', text: t(lang, 'inbox.gone') } }));
    if (request.body.entryId === 'new') return reply.redirect(`/admin/entries/new?lang=${group.lang}&question=${encodeURIComponent(group.text)}`, 303);
    const entryId = request.body.entryId === 'other' ? request.body.otherEntryId : request.body.entryId;
    if (!entryId) return kit.sendPage(reply, 422, await show(request, { notice: { kind: 'problem', text: t(lang, 'inbox.pickOne') } }));
    const result = await opts.knowledge.editor.addVariant(entryId, group.lang, group.text, session.email);
    if (!result?.published) {
      const reason = !result ? t(lang, 'inbox.gone') : 'conflict' in result ? t(lang, 'entry.conflict') : result.problems.map((p) => `${p.field ?? p.file}: ${p.message}`).join('; ');
      return kit.sendPage(reply, 422, await show(request, { notice: { kind: 'problem', text: reason } }));
    }
    await opts.inbox.markHandled(group.members);
    return reply.redirect(`/admin/inbox?added=${encodeURIComponent(entryId)}`, 303);
  });

  app.post<{ Body: { key: string } }>('/admin/inbox/dismiss', { schema: { body: groupBody } }, async (request, reply) => {
    const group = (await groups()).find((g) => g.key === request.body.key);
    if (group) await opts.inbox.markHandled(group.members);
    return reply.redirect('/admin/inbox?dismissed=1', 303);
  });
};

export default inboxRoutes;
