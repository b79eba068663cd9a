import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { Locales } from '../../i18n/locales.js';
import { textDirection } from '../../language-facts.js';
import { LANGUAGES, type Lang } from '../../languages.js';

export interface WidgetRoutesOptions {
  /** The built widget (`npm run build:widget`). */
  widgetDir: string;
  locales: Locales;
  maxQuestionLength: number;
}

/**
 * A policy the demo page meets with nothing inline, so it doubles as proof that a host page
 * with a strict Content-Security-Policy can embed the widget.
 */
const DEMO_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The widget's files (pre-compressed: a 3G phone gets the brotli or gzip copy), its strings
 * in each language from the bot's own locale files, and the demo page at `/`.
 */
const widgetRoutes: FastifyPluginAsync<WidgetRoutesOptions> = async (app, opts) => {
  await app.register(fastifyStatic, {
    root: opts.widgetDir,
    prefix: '/webchat/',
    preCompressed: true,
    wildcard: false,
    index: false,
    // Embed URLs are not versioned: short caching, then an ETag check.
    maxAge: '10m',
    setHeaders: (res, filePath) => {
      res.setHeader('x-content-type-options', 'nosniff');
      if (filePath.endsWith('.html')) {
        res.setHeader('content-security-policy', DEMO_PAGE_CSP);
        res.setHeader('referrer-policy', 'no-referrer');
      }
      // Other sites load the script and stylesheet; allow it even when they isolate themselves.
      res.setHeader('cross-origin-resource-policy', 'cross-origin');
    },
  });

  const strings = new Map<Lang, string>();
  const languages = LANGUAGES.map((code) => ({ code, name: opts.locales.t(code, 'language.name'), dir: textDirection(code) }));
  for (const lang of LANGUAGES) {
    const { dir } = languages.find((l) => l.code === lang)!;
    strings.set(lang, JSON.stringify({ lang, dir, strings: opts.locales.widget(lang), languages, maxLength: opts.maxQuestionLength }));
  }

  app.get<{ Params: { lang: Lang } }>(
    '/webchat/strings/:lang.json',
    { schema: { params: { type: 'object', required: ['lang'], properties: { lang: { type: 'string', enum: [...LANGUAGES] } } } } },
    async (request, reply) => {
      reply.header('cache-control', 'public, max-age=600').type('application/json; charset=utf-8');
      return strings.get(request.params.lang);
    },
  );

  app.get('/', async (_request, reply) => reply.sendFile('index.html', { maxAge: 0 }));
  // Browsers ask for it on every demo page visit; there is none, and "none" is not an error.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
};

export default widgetRoutes;
