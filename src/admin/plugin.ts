import { randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RahnamaError } from '../errors.js';
import type { AccountStore } from './account-store.js';
import { consoleLanguage, loadConsoleStrings } from './admin-i18n.js';
import { CONSOLE_CSS, homePage, signInPage, type PageContext } from './pages.js';
import { entryListPage, entryPage } from './entry-pages.js';
import type { KnowledgeEditor } from './knowledge-editor.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { LANGUAGES } from '../languages.js';
import { foldText } from '../retrieval/text.js';
import type { SessionStore, StaffSession } from './session-store.js';

export interface AdminConsoleOptions {
  accounts: AccountStore;
  sessions: SessionStore;
  /** Signs the console's cookies. */
  cookieSecret: string;
  /** Session lifetime, for the cookie's Max-Age. */
  sessionSeconds: number;
  /** Figures for the overview page. */
  counts: () => { entries: number; unanswered: number; feedback: number };
  /** Sign-in attempts per address and minute. */
  signInRateLimit?: number;
  /** Knowledge editing: the entries as served, and publishing back to the files. */
  knowledge: { entries: () => Iterable<KnowledgeEntry>; editor: KnowledgeEditor };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member's session (every console route but sign-in has one). */
    staffSession?: StaffSession;
  }
}

const SESSION_COOKIE = 'rahnama_session';
const SIGN_IN_COOKIE = 'rahnama_sign_in';
/** Reachable without a session: the sign-in page and its stylesheet. */
const OPEN_ROUTES = new Set(['/admin/login', '/admin/admin.css']);
const CONSOLE_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const sameToken = (a: string | undefined, b: string) => a !== undefined && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The staff console under /admin: its own encapsulated plugin with its own auth hook. Every
 * route but sign-in needs a session (a signed, HttpOnly, SameSite=Strict cookie naming a
 * server-side session); every state-changing request also needs that session's CSRF token.
 */
const adminConsole: FastifyPluginAsync<AdminConsoleOptions> = async (app, opts) => {
  const t = await loadConsoleStrings();
  await app.register(cookie, { secret: opts.cookieSecret });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(rateLimit, { global: false });

  const cookieOptions = (request: FastifyRequest, path: string, maxAge: number) => ({
    path,
    maxAge,
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https',
    signed: true,
  });
  const context = (request: FastifyRequest): PageContext => ({
    t,
    lang: consoleLanguage((request.query as { lang?: string } | undefined)?.lang, request.headers['accept-language']),
    session: request.staffSession,
  });
  const sendPage = (reply: FastifyReply, status: number, body: string) =>
    reply.status(status).header('content-security-policy', CONSOLE_CSP).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const raw = request.cookies[SESSION_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    const session = unsigned?.valid && unsigned.value ? opts.sessions.get(unsigned.value) : undefined;
    // A deleted account's sessions end with it.
    if (!session || !opts.accounts.find(session.email)) {
      if (request.method === 'GET') return reply.redirect('/admin/login', 303);
      throw new RahnamaError('RAHNAMA_ADMIN_SIGN_IN_REQUIRED');
    }
    request.staffSession = session;
  });
  // Before validation: a request without the token learns nothing about the route's schema.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD' || !request.staffSession) return;
    const sent = (request.body as { _csrf?: string } | undefined)?._csrf ?? (request.headers['x-csrf-token'] as string | undefined);
    if (!sameToken(sent, request.staffSession.csrfToken)) throw new RahnamaError('RAHNAMA_ADMIN_CSRF');
  });

  app.get('/admin/admin.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=600').send(CONSOLE_CSS));

  // Sign-in has no session yet: its CSRF token is a random value in a signed cookie and the form.
  const signInForm = async (request: FastifyRequest, reply: FastifyReply, status: number, error?: 'invalid' | 'locked' | 'expired') => {
    const token = randomBytes(24).toString('base64url');
    reply.setCookie(SIGN_IN_COOKIE, token, cookieOptions(request, '/admin/login', 3600));
    return sendPage(reply, status, signInPage(context(request), token, error));
  };
  app.get('/admin/login', async (request, reply) => signInForm(request, reply, 200));

  app.post<{ Body: { email: string; password: string; _csrf: string } }>(
    '/admin/login',
    {
      config: { rateLimit: { max: opts.signInRateLimit ?? 10, timeWindow: '1 minute' } },
      schema: {
        body: {
          type: 'object',
          required: ['email', 'password', '_csrf'],
          properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1024 }, _csrf: { type: 'string', maxLength: 100 } },
        },
      },
    },
    async (request, reply) => {
      const raw = request.cookies[SIGN_IN_COOKIE];
      const expected = raw ? request.unsignCookie(raw) : undefined;
      if (!expected?.valid || !expected.value || !sameToken(request.body._csrf, expected.value)) return signInForm(request, reply, 403, 'expired');
      const result = await opts.accounts.signIn(request.body.email, request.body.password);
      if ('error' in result) {
        request.log.warn({ reason: result.error }, 'staff sign-in refused');
        return signInForm(request, reply, 401, result.error);
      }
      const session = await opts.sessions.start(result.account.email);
      reply.clearCookie(SIGN_IN_COOKIE, { path: '/admin/login' });
      reply.setCookie(SESSION_COOKIE, session.id, cookieOptions(request, '/admin', opts.sessionSeconds));
      return reply.redirect('/admin', 303);
    },
  );

  app.post('/admin/logout', async (request, reply) => {
    if (request.staffSession) await opts.sessions.end(request.staffSession.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
    return reply.redirect('/admin/login', 303);
  });

  app.get<{ Querystring: { q?: string } }>(
    '/admin/entries',
    { schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 200 }, lang: { type: 'string' } } } } },
    async (request, reply) => {
      const query = request.query.q ?? '';
      const entries = [...opts.knowledge.entries()].filter((e) => matches(e, query));
      return sendPage(reply, 200, entryListPage(context(request), entries, query));
    },
  );

  const entryParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 100 } } } as const;
  app.get<{ Params: { id: string }; Querystring: { published?: string } }>('/admin/entries/:id', { schema: { params: entryParams } }, async (request, reply) => {
    const found = await opts.knowledge.editor.read(request.params.id);
    if (!found) return reply.callNotFound();
    const notice = request.query.published ? ('published' as const) : undefined;
    return sendPage(reply, 200, entryPage({ ...context(request), session: request.staffSession! }, found.entry, { version: found.version, notice }));
  });

  app.post<{ Params: { id: string }; Body: Record<string, string> }>(
    '/admin/entries/:id',
    { schema: { params: entryParams, body: { type: 'object', required: ['version'], properties: { version: { type: 'string', maxLength: 64 } }, additionalProperties: { type: 'string', maxLength: 20_000 } } } },
    async (request, reply) => {
      const found = await opts.knowledge.editor.read(request.params.id);
      if (!found) return reply.callNotFound();
      const edited = entryFromForm(found.entry, request.body);
      const session = request.staffSession!;
      const result = await opts.knowledge.editor.publish(edited, request.body.version ?? '', session.email);
      const page = (status: number, state: Parameters<typeof entryPage>[2]) => sendPage(reply, status, entryPage({ ...context(request), session }, edited, state));
      if (result.published) return reply.redirect(`/admin/entries/${edited.id}?published=1`, 303);
      if ('conflict' in result) return page(409, { version: request.body.version ?? '', notice: 'conflict' });
      request.log.info({ entryId: edited.id, problems: result.problems.length }, 'console: edit refused by validation');
      return page(422, { version: request.body.version ?? '', notice: 'problems', problems: result.problems });
    },
  );

  app.get('/admin', async (request, reply) => {
    const session = request.staffSession!;
    const role = opts.accounts.find(session.email)?.role ?? '';
    return sendPage(reply, 200, homePage({ ...context(request), session }, role, opts.counts()));
  });
};

/** An entry with the languages' fields replaced by the form's (`languages.<code>.<field>`). */
function entryFromForm(entry: KnowledgeEntry, form: Record<string, string>): KnowledgeEntry {
  const edited = structuredClone(entry);
  for (const lang of LANGUAGES) {
    const field = (name: string) => form[`languages.${lang}.${name}`];
    const t = edited.languages[lang];
    const status = field('status');
    if (status === 'reviewed' || status === 'machine') t.status = status;
    t.question = (field('question') ?? t.question).trim();
    const variants = field('variants');
    if (variants !== undefined) t.variants = variants.split(/\r?\n/).map((v) => v.trim()).filter(Boolean);
    const answer = field('answer');
    if (answer !== undefined) t.answer = `${answer.replace(/\r\n?/g, '\n').trim()}\n`;
  }
  return edited;
}

/** Whether an entry's id, topic or any text in any language contains the search words. */
function matches(entry: KnowledgeEntry, query: string): boolean {
  const words = foldText(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = foldText([entry.id, entry.topic, ...LANGUAGES.flatMap((l) => [entry.languages[l].question, ...entry.languages[l].variants, entry.languages[l].answer])].join(' '));
  return words.every((w) => text.includes(w));
}

export default adminConsole;
