import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HANDOFF_OUTCOMES, HANDOFF_TOPIC, parseHandoffNotice, type HandoffNotice, type HandoffOutcome } from '../../handoff/handoff-records.js';
import type { HandoffRefusal } from '../../handoff/handoff-desk.js';
import type { KnowledgeEntry } from '../../knowledge/schema.js';
import { isLang, LANGUAGES, type Lang } from '../../languages.js';
import { HANDOFF_ROLES, type AccountStore } from '../account-store.js';
import { signedIn, type ConsoleKit, type ConsoleKnowledge } from '../console-kit.js';
import { serveConsoleScripts } from '../console-scripts.js';
import type { ConsoleHandoff } from '../handoff-console.js';
import { conversationPage, forbiddenPage, queuePage, type HandoffNotice as PageNotice, type ShownMessage } from '../handoff-pages.js';

export interface HandoffRoutesOptions {
  kit: ConsoleKit;
  handoff: ConsoleHandoff;
  /** Who may take a conversation over: counsellors and admins. */
  accounts: Pick<AccountStore, 'accounts' | 'setLanguages'>;
  /** The entries (topics, "insert answer") and the engine's reading of a message (glosses). */
  knowledge: Pick<ConsoleKnowledge, 'entries' | 'explain'>;
}

/** How often an open live page is told the stream is alive, and its counsellor marked online (presence counts 90 s). */
export const HEARTBEAT_MS = 25_000;
/** Person messages whose matched entry is remembered (by a hash of the text), so a live page read again does not ask the engine again. */
const GLOSS_CACHE = 500;
/** The longest reply a counsellor can send (Telegram's limit is 4096 characters). */
const MAX_REPLY = 4000;

/** What the page's script hears: a notice (ids only), or "re-read everything" after a lost subscription. */
type StreamEvent = HandoffNotice | { readonly event: 'resync' };

/**
 * The counsellor's side of live handoff: the queue, one conversation, and claiming, replying,
 * handing over and ending. Only counsellors and admins reach it. The pages listen to a
 * Server-Sent Events stream fed by the store's broadcast (ids only) and re-read the store.
 */
const handoffRoutes: FastifyPluginAsync<HandoffRoutesOptions> = async (app, opts) => {
  const { kit, handoff } = opts;
  const { desk } = handoff;
  serveConsoleScripts(app, ['handoff-live']);
  // The live pages' script reads its event stream and the page again from this origin.
  app.addHook('onSend', async (_request, reply, payload) => {
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string' && !csp.includes('connect-src')) reply.header('content-security-policy', `${csp}; connect-src 'self'`);
    return payload;
  });
  // Editors do not see people's conversations.
  app.addHook('onRequest', async (request, reply) => {
    const role = request.staffAccount?.role;
    if (role && HANDOFF_ROLES.includes(role)) return;
    return kit.sendPage(reply, 403, forbiddenPage(kit.context(request)));
  });

  const entryMap = () => {
    const map = new Map<string, KnowledgeEntry>();
    for (const entry of opts.knowledge.entries()) map.set(entry.id, entry);
    return map;
  };
  const languagesOf = (request: FastifyRequest): readonly string[] => request.staffAccount?.languages ?? [];
  const me = (request: FastifyRequest) => request.staffSession!.email;

  // One subscription to the broadcast for every open stream of this instance.
  const streams = new Set<(event: StreamEvent) => void>();
  let subscription: Promise<() => Promise<void>> | undefined;
  const listen = () =>
    (subscription ??= handoff.broadcast.subscribe(
      HANDOFF_TOPIC,
      (message) => {
        const notice = parseHandoffNotice(message);
        if (notice) for (const send of streams) send(notice);
      },
      () => {
        for (const send of streams) send({ event: 'resync' });
      },
    ));
  const enders = new Set<() => void>();
  // Open streams would keep the server from closing.
  app.addHook('preClose', async () => {
    for (const end of enders) end();
  });
  app.addHook('onClose', async () => {
    if (subscription) await (await subscription)();
  });

  app.get<{ Querystring: { id?: string } }>(
    '/admin/handoff/events',
    { schema: { querystring: { type: 'object', properties: { id: { type: 'string', maxLength: 64 }, lang: { type: 'string' } } } } },
    async (request, reply) => {
      await listen();
      const { email } = request.staffSession!;
      const languages = languagesOf(request);
      const only = request.query.id;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
      const write = (text: string) => {
        if (!raw.writableEnded) raw.write(text);
      };
      const send = (event: StreamEvent) => {
        if (only === undefined || event.event === 'resync' || event.id === only) write(`data: ${JSON.stringify(event.event === 'resync' ? event : { event: event.event, id: event.id })}\n\n`);
      };
      const markSeen = () => handoff.presence.seen(email, languages).catch((error: unknown) => request.log.warn({ err: (error as Error).message }, 'handoff: marking a counsellor online failed'));
      const heartbeat = setInterval(() => {
        write(': alive\n\n');
        void markSeen();
      }, HEARTBEAT_MS);
      // The stream lasts no longer than the session it was opened with.
      const expiry = setTimeout(() => end(), Math.min(2 ** 31 - 1, Math.max(0, Date.parse(request.staffSession!.expiresAt) - Date.now())));
      const end = () => {
        clearTimeout(expiry);
        clearInterval(heartbeat);
        streams.delete(send);
        enders.delete(end);
        if (!raw.writableEnded) raw.end();
      };
      streams.add(send);
      enders.add(end);
      raw.on('close', end);
      await markSeen();
      // Reconnect after 3 s if the connection drops; the page re-reads on every (re)open.
      write('retry: 3000\n: open\n\n');
    },
  );

  const noticeFrom = (request: FastifyRequest, done: string | undefined): PageNotice | undefined => {
    if (!done) return undefined;
    const { t, lang } = kit.context(request);
    return { kind: 'notice', text: t(lang, `handoff.done.${done}`) };
  };
  const refusalText = (request: FastifyRequest, refusal: HandoffRefusal) => {
    const { t, lang } = kit.context(request);
    return t(lang, `handoff.refused.${refusal.reason}`, { email: refusal.claimedBy ?? '' });
  };

  const showQueue = async (request: FastifyRequest, reply: FastifyReply, status: number, notice?: PageNotice) => {
    const [items, online] = await Promise.all([desk.queue(), handoff.presence.online()]);
    const entries = entryMap();
    return kit.sendPage(reply, status, queuePage(signedIn(kit, request), { items, online: online.length, languages: languagesOf(request), now: new Date(), entryOf: (id) => entries.get(id), notice }));
  };

  const doneQuery = { type: 'object', properties: { done: { type: 'string', enum: ['claimed', 'released', 'handed', 'sent', 'inserted', 'ended', 'languages'] }, lang: { type: 'string' } } } as const;

  app.get<{ Querystring: { done?: string } }>('/admin/handoff', { schema: { querystring: doneQuery } }, async (request, reply) =>
    showQueue(request, reply, 200, noticeFrom(request, request.query.done)),
  );

  // A counsellor says which languages they speak (also set with admin:create --languages).
  // A form sends one ticked box as a string, several as a list.
  const language = { type: 'string', enum: [...LANGUAGES] } as const;
  app.post<{ Body: { languages?: string | string[] } }>(
    '/admin/handoff/languages',
    { schema: { body: { type: 'object', properties: { languages: { anyOf: [language, { type: 'array', maxItems: LANGUAGES.length, items: language }] }, _csrf: { type: 'string' } } } } },
    async (request, reply) => {
      await opts.accounts.setLanguages(me(request), ([] as string[]).concat(request.body.languages ?? []));
      return reply.redirect(`/admin/handoff?done=languages&lang=${kit.context(request).lang}`, 303);
    },
  );

  const showConversation = async (request: FastifyRequest, reply: FastifyReply, id: string, status: number, notice?: PageNotice) => {
    const found = await desk.get(id);
    if (!found) return showQueue(request, reply, 404, { kind: 'problem', text: refusalText(request, { ok: false, reason: 'missing' }) });
    const context = signedIn(kit, request);
    // Every read of a transcript is recorded, by whom (desk.transcript).
    const transcript = await desk.transcript(id, context.session.email);
    const speaks = languagesOf(request).includes(found.language);
    const entries = entryMap();
    const messages = await Promise.all(transcript.map((m) => glossed(m, found.language, speaks, entries, request)));
    const colleagues = (await opts.accounts.accounts()).filter((a) => HANDOFF_ROLES.includes(a.role) && a.email !== context.session.email).map((a) => a.email);
    return kit.sendPage(reply, status, conversationPage(context, { handoff: found, messages, speaks, colleagues, entries: [...entries.values()], entryOf: (e) => entries.get(e), now: new Date(), notice }));
  };

  // The live page is read again at each new message: each message is read by the engine once.
  const matches = new Map<string, string | null>();
  const matchOf = async (text: string, language: Lang): Promise<string | null> => {
    // Keyed by a hash: no person's words stay in memory after `/forget` or retention.
    const key = createHash('sha256').update(`${language}\n${text}`).digest('base64url');
    let entryId = matches.get(key);
    if (entryId === undefined) {
      const best = (await opts.knowledge.explain(text, language)).candidates[0];
      entryId = best?.suggested ? best.entryId : null;
      if (matches.size >= GLOSS_CACHE) matches.delete(matches.keys().next().value!);
      matches.set(key, entryId);
    }
    return entryId;
  };

  /** A person's message in a language the counsellor does not speak: the English question of the entry the engine would suggest for it (a weak guess would mislead). */
  const glossed = async (message: ShownMessage, language: string, speaks: boolean, entries: Map<string, KnowledgeEntry>, request: FastifyRequest): Promise<ShownMessage> => {
    if (message.from !== 'person' || speaks || language === 'en' || !isLang(language)) return message;
    try {
      const entryId = await matchOf(message.text, language);
      const entry = entryId ? entries.get(entryId) : undefined;
      return entry ? { ...message, gloss: entry.languages.en.question } : message;
    } catch (error) {
      request.log.warn({ err: (error as Error).message }, 'handoff: the engine could not read a message for a gloss');
      return message;
    }
  };

  const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/admin/handoff/:id', { schema: { params: idParams, querystring: doneQuery } }, async (request, reply) =>
    showConversation(request, reply, request.params.id, 200, noticeFrom(request, request.query.done)),
  );

  /** After a change: back to the conversation with what was done, or the refusal on it. */
  const afterChange = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, result: { ok: true } | HandoffRefusal, done: string, to = `/admin/handoff/${request.params.id}`) => {
    const { lang } = kit.context(request);
    if (result.ok) return reply.redirect(`${to}?done=${done}&lang=${lang}`, 303);
    const status = result.reason === 'missing' ? 404 : 409;
    return showConversation(request, reply, request.params.id, status, { kind: 'problem', text: refusalText(request, result) });
  };
  const csrfOnly = { type: 'object', properties: { _csrf: { type: 'string' } } } as const;

  app.post<{ Params: { id: string } }>('/admin/handoff/:id/claim', { schema: { params: idParams, body: csrfOnly } }, async (request, reply) =>
    afterChange(request, reply, await desk.claim(request.params.id, me(request)), 'claimed'),
  );

  app.post<{ Params: { id: string } }>('/admin/handoff/:id/release', { schema: { params: idParams, body: csrfOnly } }, async (request, reply) =>
    afterChange(request, reply, await desk.release(request.params.id, me(request)), 'released', '/admin/handoff'),
  );

  app.post<{ Params: { id: string }; Body: { to: string } }>(
    '/admin/handoff/:id/hand-over',
    { schema: { params: idParams, body: { type: 'object', required: ['to'], properties: { to: { type: 'string', minLength: 3, maxLength: 254 }, _csrf: { type: 'string' } } } } },
    async (request, reply) => {
      const to = request.body.to.trim().toLowerCase();
      const colleague = (await opts.accounts.accounts()).find((a) => a.email === to && HANDOFF_ROLES.includes(a.role));
      if (!colleague || to === me(request)) {
        const { t, lang } = kit.context(request);
        return showConversation(request, reply, request.params.id, 422, { kind: 'problem', text: t(lang, 'handoff.refused.colleague') });
      }
      return afterChange(request, reply, await desk.handOver(request.params.id, me(request), colleague.email), 'handed');
    },
  );

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/admin/handoff/:id/reply',
    { schema: { params: idParams, body: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: MAX_REPLY }, _csrf: { type: 'string' } } } } },
    async (request, reply) => {
      const text = request.body.text.trim();
      if (!text) {
        const { t, lang } = kit.context(request);
        return showConversation(request, reply, request.params.id, 422, { kind: 'problem', text: t(lang, 'handoff.refused.empty') });
      }
      return afterChange(request, reply, await desk.reply(request.params.id, me(request), text), 'sent');
    },
  );

  // An entry's answer, in the person's language as the bot would give it (contacts filled in).
  app.post<{ Params: { id: string }; Body: { entryId: string } }>(
    '/admin/handoff/:id/insert',
    { schema: { params: idParams, body: { type: 'object', required: ['entryId'], properties: { entryId: { type: 'string', minLength: 1, maxLength: 100 }, _csrf: { type: 'string' } } } } },
    async (request, reply) => {
      const found = await desk.get(request.params.id);
      if (!found) return afterChange(request, reply, { ok: false, reason: 'missing' }, 'inserted');
      const answer = handoff.answerOf(request.body.entryId, isLang(found.language) ? found.language : 'en');
      if (!answer) {
        const { t, lang } = kit.context(request);
        return showConversation(request, reply, request.params.id, 422, { kind: 'problem', text: t(lang, 'handoff.refused.entry', { id: request.body.entryId }) });
      }
      return afterChange(request, reply, await desk.reply(request.params.id, me(request), answer, request.body.entryId), 'inserted');
    },
  );

  app.post<{ Params: { id: string }; Body: { outcome: HandoffOutcome } }>(
    '/admin/handoff/:id/end',
    { schema: { params: idParams, body: { type: 'object', required: ['outcome'], properties: { outcome: { type: 'string', enum: [...HANDOFF_OUTCOMES] }, _csrf: { type: 'string' } } } } },
    // The desk's `onEnded` listeners (the channels) tell the person.
    async (request, reply) => afterChange(request, reply, await desk.end(request.params.id, request.body.outcome, me(request)), 'ended', '/admin/handoff'),
  );
};

export default handoffRoutes;
