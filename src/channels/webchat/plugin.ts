import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { RahnamaError } from '../../errors.js';
import directLine, { type DirectLineOptions } from './direct-line.js';
import widgetRoutes, { type WidgetRoutesOptions } from './widget-routes.js';

export type WebChatOptions = DirectLineOptions & {
  /** Other sites' origins allowed to embed the widget; `*` allows any. */
  allowedOrigins: readonly string[];
  /** The widget's files and strings; without them only the Direct Line routes are served. */
  widget?: WidgetRoutesOptions;
};

/**
 * The self-hosted web chat: Direct Line routes, the widget and its demo page. Browsers say which
 * page a request comes from (`Origin`): only this server's own pages and the allow-listed sites
 * may use the chat. CORS tells browsers the same, but cannot stop a WebSocket or a simple POST,
 * so requests from other origins are refused here.
 */
const webChat: FastifyPluginAsync<WebChatOptions> = async (app, opts) => {
  const anyOrigin = opts.allowedOrigins.includes('*');
  const allowed = new Set(opts.allowedOrigins);
  const isAllowed = (origin: string, request: FastifyRequest) =>
    anyOrigin || allowed.has(origin) || origin === `${request.protocol}://${request.host}`;

  // Before the origin check: a refused upgrade must still have its socket closed by the plugin.
  await app.register(websocket, { options: { maxPayload: 4096 } });
  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (origin !== undefined && !isAllowed(origin, request)) throw new RahnamaError('RAHNAMA_ORIGIN_NOT_ALLOWED', [origin]);
  });
  await app.register(cors, {
    // Reached only by allowed origins (the hook above refused the rest).
    origin: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type', 'accept-language'],
    maxAge: 600,
  });
  await app.register(directLine, opts);
  if (opts.widget) await app.register(widgetRoutes, opts.widget);
};

export default webChat;
