import { randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RahnamaError } from '../errors.js';
import { HANDOFF_ROLES, type AccountStore, type StaffAccount } from './account-store.js';
import { consoleLanguage, loadConsoleStrings } from './admin-i18n.js';
import { CONSOLE_CSS, homePage, signInPage, type PageContext } from './pages.js';
import type { ConsoleKit } from './console-kit.js';
import type { ConsoleHandoff } from './handoff-console.js';
import type { InboxState } from './inbox-state.js';
import type { PendingImports } from './pending-imports.js';
import dashboardRoutes, { type DashboardRoutesOptions } from './routes/dashboard.js';
import entryRoutes, { type EntryRoutesOptions } from './routes/entries.js';
import handoffRoutes from './routes/handoff.js';
import inboxRoutes, { type InboxRoutesOptions } from './routes/inbox.js';
import transferRoutes from './routes/transfer.js';
import wordingRoutes from './routes/wording.js';
import type { SessionStore, StaffSession } from './session-store.js';

export interface AdminConsoleOptions {
  accounts: AccountStore;
  sessions: SessionStore;
  /** Signs the console's cookies. */
  cookieSecret: string;
  /** Session lifetime, for the cookie's Max-Age. */
  sessionSeconds: number;
  /** Figures for the overview page. */
  counts: () => Promise<{ entries: number; unanswered: number; feedback: number }>;
  /** Sign-in attempts per address and minute. */
  signInRateLimit?: number;
  /** Where the counts live when several instances share them; default: this process. */
  rateLimitStore?: FastifyRateLimitStoreCtor;
  /** What the bot recorded for staff (unanswered questions, feedback), anonymous. */
  insights: InboxRoutesOptions['insights'] & DashboardRoutesOptions['insights'];
  /** Which unanswered questions staff have dealt with. */
  inbox: InboxState;
  /** Knowledge editing: the entries as served, and publishing back to the files. */
  knowledge: EntryRoutesOptions['knowledge'];
  /** Spreadsheet dry runs awaiting apply. */
  pendingImports: PendingImports;
  /** Live conversations with counsellors (see `createAdminConsole`); absent: no queue, no handoff figures. */
  handoff?: ConsoleHandoff;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member's session (every console route but sign-in has one). */
    staffSession?: StaffSession;
    /** The signed-in staff member's account (role, languages), read with the session. */
    staffAccount?: StaffAccount;
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
  // A shared store that cannot be reached must not turn every request into an error.
  await app.register(rateLimit, { global: false, store: opts.rateLimitStore, skipOnError: true });

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
    const session = unsigned?.valid && unsigned.value ? await opts.sessions.get(unsigned.value) : undefined;
    const account = session && (await opts.accounts.find(session.email));
    // A deleted account's sessions end with it.
    if (!session || !account) {
      if (request.method === 'GET') return reply.redirect('/admin/login', 303);
      throw new RahnamaError('RAHNAMA_ADMIN_SIGN_IN_REQUIRED');
    }
    request.staffSession = session;
    request.staffAccount = account;
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

  const kit: ConsoleKit = { context, sendPage };
  await app.register(entryRoutes, { kit, knowledge: opts.knowledge });
  await app.register(transferRoutes, { kit, knowledge: opts.knowledge, pending: opts.pendingImports });
  await app.register(wordingRoutes, { kit, knowledge: opts.knowledge });
  await app.register(dashboardRoutes, { kit, insights: opts.insights, entries: opts.knowledge.entries, ...(opts.handoff ? { handoffFigures: opts.handoff.figures } : {}) });
  await app.register(inboxRoutes, { kit, insights: opts.insights, inbox: opts.inbox, knowledge: opts.knowledge });
  if (opts.handoff) await app.register(handoffRoutes, { kit, handoff: opts.handoff, accounts: opts.accounts, knowledge: opts.knowledge });

  // `/admin/` is where people type the console's address: the overview, keeping any `?lang=`.
  app.get('/admin/', async (request, reply) => reply.redirect(`/admin${request.url.slice('/admin/'.length)}`, 301));
  app.get('/admin', async (request, reply) => {
    const session = request.staffSession!;
    const role = request.staffAccount?.role;
    const counts = await opts.counts();
    return sendPage(reply, 200, homePage({ ...context(request), session }, role ?? '', counts, { queue: opts.handoff !== undefined && role !== undefined && HANDOFF_ROLES.includes(role) }));
  });
};

export default adminConsole;
