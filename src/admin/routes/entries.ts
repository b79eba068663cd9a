import type { FastifyPluginAsync } from 'fastify';
import type { KnowledgeProblem } from '../../knowledge/load.js';
import { ROMANISED_LANGUAGES, type KnowledgeEntry } from '../../knowledge/schema.js';
import { LANGUAGES, type Lang } from '../../languages.js';
import { foldText } from '../../retrieval/text.js';
import { signedIn, type ConsoleKit, type ConsoleKnowledge } from '../console-kit.js';
import { serveConsoleScripts } from '../console-scripts.js';
import { ENTRY_VIEWS, entryListPage, entryPage, type EntryFilter, type EntryView } from '../entry-pages.js';
import { diffPage, historyPage, shippedText } from '../history-pages.js';
import { NEW_ENTRY_VERSION } from '../knowledge-editor.js';

export interface EntryRoutesOptions {
  kit: ConsoleKit;
  knowledge: ConsoleKnowledge;
}

/** Knowledge editing: the list and search, an entry's eleven languages, publishing. */
const entryRoutes: FastifyPluginAsync<EntryRoutesOptions> = async (app, opts) => {
  const { kit } = opts;
  // The editor's live preview.
  serveConsoleScripts(app, ['entry-editor']);
  app.get<{ Querystring: EntryFilter & { deleted?: string } }>(
    '/admin/entries',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 200 },
            status: { type: 'string', enum: ['', 'machine', 'reviewed'] },
            reviewedBefore: { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' },
            deleted: { type: 'string', maxLength: 100 },
            lang: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const filter = request.query;
      const entries = [...opts.knowledge.entries()].filter((e) => matches(e, filter));
      const context = kit.context(request);
      const notice = filter.deleted ? context.t(context.lang, 'entries.deleted', { id: filter.deleted }) : undefined;
      return kit.sendPage(reply, 200, entryListPage(context, entries, filter, notice));
    },
  );

  // A new entry: every language at once (the same rules as kb:check), optionally started from a
  // question people asked (the unanswered inbox).
  app.get<{ Querystring: { lang?: Lang; question?: string } }>(
    '/admin/entries/new',
    { schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: [...LANGUAGES] }, question: { type: 'string', maxLength: 1000 } } } } },
    async (request, reply) => {
      const entry = blankEntry();
      const { lang, question } = request.query;
      if (lang && question) entry.languages[lang].question = question;
      // Started from a question people asked: its language beside English.
      const view = lang && lang !== 'en' ? lang : undefined;
      return kit.sendPage(reply, 200, entryPage(signedIn(kit, request), entry, { isNew: true, version: NEW_ENTRY_VERSION, view }));
    },
  );

  app.post<{ Body: Record<string, string> }>(
    '/admin/entries',
    { schema: { body: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } }, additionalProperties: { type: 'string', maxLength: 20_000 } } } },
    async (request, reply) => {
      const entry = entryFromForm({ ...blankEntry(), id: request.body.id?.trim() ?? '' }, request.body);
      const context = signedIn(kit, request);
      const again = (status: number, problems: KnowledgeProblem[]) =>
        kit.sendPage(reply, status, entryPage(context, entry, { isNew: true, version: NEW_ENTRY_VERSION, notice: 'problems', problems, view: viewOf(request.body.view) }));
      const file = `${entry.id}.yaml`;
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(entry.id)) return again(422, [{ file, field: 'id', message: 'must be kebab-case (lower-case letters, digits and single hyphens)' }]);
      if (opts.knowledge.editor.isReservedId(entry.id)) return again(422, [{ file, field: 'id', message: context.t(context.lang, 'entry.reserved') }]);
      if ([...opts.knowledge.entries()].some((e) => e.id === entry.id)) return again(409, [{ file, field: 'id', message: context.t(context.lang, 'entry.exists') }]);
      const result = await opts.knowledge.editor.publish(entry, NEW_ENTRY_VERSION, context.session.email);
      if (result.published) return reply.redirect(`/admin/entries/${entry.id}?published=1${viewQuery(request.body.view)}`, 303);
      if ('conflict' in result) return again(409, [{ file, field: 'id', message: context.t(context.lang, 'entry.exists') }]);
      return again(422, [...result.problems]);
    },
  );

  const entryParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 100 } } } as const;
  const entryQuery = { type: 'object', properties: { published: { type: 'string', maxLength: 10 }, view: { type: 'string', enum: [...ENTRY_VIEWS] }, lang: { type: 'string' } } } as const;
  app.get<{ Params: { id: string }; Querystring: { published?: string; view?: EntryView } }>('/admin/entries/:id', { schema: { params: entryParams, querystring: entryQuery } }, async (request, reply) => {
    const found = await opts.knowledge.editor.read(request.params.id);
    if (!found) return reply.callNotFound();
    const notice = request.query.published ? ('published' as const) : undefined;
    return kit.sendPage(reply, 200, entryPage(signedIn(kit, request), found.entry, { version: found.version, notice, view: request.query.view }));
  });

  app.post<{ Params: { id: string }; Body: Record<string, string> }>(
    '/admin/entries/:id',
    { schema: { params: entryParams, body: { type: 'object', required: ['version'], properties: { version: { type: 'string', maxLength: 64 } }, additionalProperties: { type: 'string', maxLength: 20_000 } } } },
    async (request, reply) => {
      const found = await opts.knowledge.editor.read(request.params.id);
      if (!found) return reply.callNotFound();
      const edited = entryFromForm(found.entry, request.body);
      const { session } = signedIn(kit, request);
      const result = await opts.knowledge.editor.publish(edited, request.body.version ?? '', session.email);
      const page = (status: number, state: Parameters<typeof entryPage>[2]) => kit.sendPage(reply, status, entryPage(signedIn(kit, request), edited, { ...state, view: viewOf(request.body.view) }));
      if (result.published) return reply.redirect(`/admin/entries/${edited.id}?published=1${viewQuery(request.body.view)}`, 303);
      if ('conflict' in result) return page(409, { version: request.body.version ?? '', notice: 'conflict' });
      request.log.info({ entryId: edited.id, problems: result.problems.length }, 'console: edit refused by validation');
      return page(422, { version: request.body.version ?? '', notice: 'problems', problems: result.problems });
    },
  );

  // "Ask the bot" with the draft: checked like a publish, answered by a copy of the engine.
  app.post<{ Params: { id: string }; Body: Record<string, string> }>(
    '/admin/entries/:id/preview',
    { schema: { params: entryParams, body: { type: 'object', required: ['version', 'previewQuestion', 'previewLang'], properties: { version: { type: 'string', maxLength: 64 }, previewQuestion: { type: 'string', maxLength: 1000 }, previewLang: { type: 'string', enum: [...LANGUAGES] } }, additionalProperties: { type: 'string', maxLength: 20_000 } } } },
    async (request, reply) => {
      const found = await opts.knowledge.editor.read(request.params.id);
      if (!found) return reply.callNotFound();
      const draft = entryFromForm(found.entry, request.body);
      const version = request.body.version ?? '';
      const view = viewOf(request.body.view);
      const problems = (await opts.knowledge.editor.checkMany([draft])).filter((p) => p.file === `${draft.id}.yaml`);
      if (problems.length > 0) return kit.sendPage(reply, 422, entryPage(signedIn(kit, request), draft, { version, notice: 'problems', problems, view }));
      const question = (request.body.previewQuestion ?? '').trim();
      const lang = request.body.previewLang as Lang;
      if (!question) return kit.sendPage(reply, 200, entryPage(signedIn(kit, request), draft, { version, view }));
      const result = await opts.knowledge.preview(draft, question, lang);
      return kit.sendPage(reply, 200, entryPage(signedIn(kit, request), draft, { version, preview: { question, lang, result }, view }));
    },
  );

  app.post<{ Params: { id: string }; Body: { version: string } }>(
    '/admin/entries/:id/delete',
    { schema: { params: entryParams, body: { type: 'object', required: ['version'], properties: { version: { type: 'string', maxLength: 64 }, _csrf: { type: 'string' } } } } },
    async (request, reply) => {
      const { id } = request.params;
      const found = await opts.knowledge.editor.read(id);
      if (!found) return reply.callNotFound();
      const context = signedIn(kit, request);
      const result = await opts.knowledge.editor.remove(id, request.body.version, context.session.email);
      if (result.published) return reply.redirect(`/admin/entries?deleted=${encodeURIComponent(id)}`, 303);
      const state = 'conflict' in result ? { version: found.version, notice: 'conflict' as const } : { version: found.version, notice: 'problems' as const, problems: result.problems };
      return kit.sendPage(reply, 'conflict' in result ? 409 : 422, entryPage(context, found.entry, state));
    },
  );

  const historyOf = async (id: string) => {
    const found = await opts.knowledge.editor.read(id);
    if (!found) return undefined;
    return { id, records: await opts.knowledge.editor.history(id), current: (await opts.knowledge.editor.readFile(`${id}.yaml`)).text, version: found.version };
  };

  app.get<{ Params: { id: string }; Querystring: { restored?: string } }>('/admin/entries/:id/history', { schema: { params: entryParams } }, async (request, reply) => {
    const history = await historyOf(request.params.id);
    if (!history) return reply.callNotFound();
    const context = signedIn(kit, request);
    const notice = request.query.restored ? context.t(context.lang, 'history.restored') : undefined;
    return kit.sendPage(reply, 200, historyPage(context, history, notice));
  });

  // One change side by side (before and after it), or the shipped text beside the current one.
  const changeParams = { type: 'object', required: ['id', 'change'], properties: { ...entryParams.properties, change: { type: 'string', pattern: '^([0-9]{1,6}|shipped)$' } } } as const;
  app.get<{ Params: { id: string; change: string } }>('/admin/entries/:id/history/:change', { schema: { params: changeParams } }, async (request, reply) => {
    const history = await historyOf(request.params.id);
    if (!history) return reply.callNotFound();
    const context = signedIn(kit, request);
    const { t, lang } = context;
    const { id, change } = request.params;
    const at = (iso: string) => iso.replace('T', ' ').slice(0, 16);
    if (change === 'shipped') {
      const shipped = shippedText(history.records);
      if (shipped === undefined) return reply.callNotFound();
      const restore = shipped === history.current ? undefined : { record: 'shipped', version: history.version, label: t(lang, 'history.restoreShipped') };
      return kit.sendPage(reply, 200, diffPage(context, id, t(lang, 'history.shippedTitle', { id }), { label: t(lang, 'history.shippedSide'), text: shipped }, { label: t(lang, 'history.currentSide'), text: history.current }, restore));
    }
    const index = Number(change);
    const record = history.records[index];
    if (!record) return reply.callNotFound();
    const title = t(lang, 'history.changeTitle', { id, who: record.who, when: at(record.at), action: t(lang, `history.${record.action}`) });
    const restore = index === 0 || record.action === 'delete' ? undefined : { record: change, version: history.version, label: t(lang, 'history.restoreButton') };
    return kit.sendPage(reply, 200, diffPage(context, id, title, { label: t(lang, 'history.beforeSide'), text: record.before }, { label: t(lang, 'history.afterSide', { who: record.who }), text: record.after }, restore));
  });

  // Restoring publishes the text the file had after that change (or as shipped), with the same checks as an edit.
  app.post<{ Params: { id: string }; Body: { record: string; version: string } }>(
    '/admin/entries/:id/restore',
    { schema: { params: entryParams, body: { type: 'object', required: ['record', 'version'], properties: { record: { type: 'string', pattern: '^([0-9]{1,6}|shipped)$' }, version: { type: 'string', maxLength: 64 }, _csrf: { type: 'string' } } } } },
    async (request, reply) => {
      const { id } = request.params;
      const records = await opts.knowledge.editor.history(id);
      const text = request.body.record === 'shipped' ? shippedText(records) : records[Number(request.body.record)]?.after;
      if (!text) return reply.callNotFound();
      const result = await opts.knowledge.editor.restore(id, text, request.body.version, signedIn(kit, request).session.email);
      if (result.published) return reply.redirect(`/admin/entries/${id}/history?restored=1`, 303);
      const found = await opts.knowledge.editor.read(id);
      if (!found) return reply.callNotFound();
      const state = 'conflict' in result ? { version: request.body.version, notice: 'conflict' as const } : { version: request.body.version, notice: 'problems' as const, problems: result.problems };
      return kit.sendPage(reply, 'conflict' in result ? 409 : 422, entryPage(signedIn(kit, request), found.entry, state));
    },
  );
};

/** The editor's view a form sent (its `view` select), if it is one. */
const viewOf = (value: string | undefined): EntryView | undefined => (ENTRY_VIEWS as readonly string[]).includes(value ?? '') ? (value as EntryView) : undefined;
const viewQuery = (value: string | undefined) => (viewOf(value) ? `&view=${viewOf(value)}` : '');

/** An empty entry in every language, for the new-entry form. */
function blankEntry(): KnowledgeEntry {
  const languages = Object.fromEntries(LANGUAGES.map((l) => [l, { status: 'reviewed' as const, question: '', variants: [], answer: '' }])) as unknown as KnowledgeEntry['languages'];
  return { id: '', topic: '', tags: [], source: [], reviewed: new Date().toISOString().slice(0, 10), languages };
}

/** An entry with the languages' fields replaced by the form's (`languages.<code>.<field>`). */
function entryFromForm(entry: KnowledgeEntry, form: Record<string, string>): KnowledgeEntry {
  const edited = structuredClone(entry);
  const list = (text: string, separator: RegExp) => text.split(separator).map((item) => item.trim()).filter(Boolean);
  if (form.topic !== undefined) edited.topic = form.topic.trim();
  if (form.tags !== undefined) edited.tags = list(form.tags, /,/);
  if (form.related !== undefined) {
    const related = list(form.related, /,/);
    if (related.length > 0) edited.related = related;
    else delete edited.related;
  }
  if (form.source !== undefined) edited.source = list(form.source, /\r?\n/);
  if (form.reviewed !== undefined) edited.reviewed = form.reviewed.trim();
  // An unticked checkbox sends nothing: the hidden field says the form had it.
  if (form.referralShown !== undefined) {
    if (form.referral) edited.referral = true;
    else delete edited.referral;
  }
  for (const lang of LANGUAGES) {
    const field = (name: string) => form[`languages.${lang}.${name}`];
    const t = edited.languages[lang];
    const status = field('status');
    if (status === 'reviewed' || status === 'machine') t.status = status;
    t.question = (field('question') ?? t.question).trim();
    const variants = field('variants');
    if (variants !== undefined) t.variants = variants.split(/\r?\n/).map((v) => v.trim()).filter(Boolean);
    const romanised = field('romanised');
    if (romanised !== undefined && (ROMANISED_LANGUAGES as readonly Lang[]).includes(lang)) {
      const list = romanised.split(/\r?\n/).map((v) => v.trim()).filter(Boolean);
      if (list.length > 0) t.romanised = list;
      else delete t.romanised;
    }
    const answer = field('answer');
    if (answer !== undefined) t.answer = `${answer.replace(/\r\n?/g, '\n').trim()}\n`;
  }
  return edited;
}

/**
 * Whether an entry's id, topic or any text in any language contains the search words, it has a
 * translation of that status (`machine`: at least one language still machine-translated), and
 * it was last reviewed before that date.
 */
function matches(entry: KnowledgeEntry, { q = '', status, reviewedBefore }: EntryFilter): boolean {
  if (status && !LANGUAGES.some((l) => entry.languages[l].status === status)) return false;
  if (reviewedBefore && !(entry.reviewed < reviewedBefore)) return false;
  const words = foldText(q).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = foldText([entry.id, entry.topic, ...LANGUAGES.flatMap((l) => [entry.languages[l].question, ...entry.languages[l].variants, ...(entry.languages[l].romanised ?? []), entry.languages[l].answer])].join(' '));
  return words.every((w) => text.includes(w));
}

export default entryRoutes;
