import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { ActivityHandler, Activity } from 'botbuilder';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { RahnamaError } from '../../errors.js';
import type { WebChatAdapter } from './adapter.js';
import { WEBCHAT_CHANNEL_ID } from './channel.js';
import type { ConversationLog } from './conversations.js';
import type { BotStateStorage } from '../../storage/bot-state-storage.js';
import { DEFAULT_STREAM_LIMITS, OpenStreams, type StreamLimits } from './stream-limits.js';
import { newUserId, type ConversationTokens, type TokenClaims } from './tokens.js';
import type { WebChatTurns } from './turns.js';

/** What the routes ask of the turns: WebChatTurns, or a stand-in that waits for them while the bot loads. */
export type DirectLineTurns = Pick<WebChatTurns, 'start' | 'post'>;

interface DirectLineShared {
  tokens: ConversationTokens;
  conversations: ConversationLog;
  /** Where the counts live when several instances share them; default: this process. */
  rateLimitStore?: FastifyRateLimitStoreCtor;
  /** WebSocket streams open at once, per conversation and per client address; default DEFAULT_STREAM_LIMITS. */
  streamLimits?: StreamLimits;
}

/** Turns made here, on the bot. */
interface TurnsMadeHere {
  adapter: WebChatAdapter;
  bot: ActivityHandler;
  /** The bot's state: a turn writes it, its user's activity and its replies in one write. */
  storage: BotStateStorage;
  turns?: undefined;
}

/** Turns made with the bot, so that deliveries outside turns queue with them. */
interface TurnsGiven {
  turns: DirectLineTurns;
}

/** The web chat's parts the routes run on. */
export type DirectLineParts = DirectLineShared & (TurnsMadeHere | TurnsGiven);

export type DirectLineOptions = DirectLineParts & {
  /** Longest message text accepted, in characters. */
  maxQuestionLength: number;
  /** Requests per minute: per client address for new conversations, per conversation for messages. */
  rateLimitMax: number;
};

interface ConversationParams {
  conversationId: string;
}

/** What a client may post: everything else it sends is dropped. */
interface PostedActivity {
  type: 'message' | 'event' | 'typing';
  text?: string;
  value?: unknown;
  locale?: string;
  from: { id: string; name?: string };
  channelData?: { clientActivityID?: string; postBack?: boolean };
}

/** Direct Line clients send `watermark=` (empty) before they have one. */
const WATERMARK = { type: 'string', pattern: '^[0-9]{0,15}$' } as const;
const watermarkOf = (raw: string | undefined): number => (raw ? Number(raw) : 0);

const SWEEP_INTERVAL_MS = 5 * 60 * 1000;

/** Proxies close WebSockets that stay silent (often after 60 s): a ping keeps them open. */
const KEEP_ALIVE_MS = 25_000;

/** The close code of a stream refused for being one too many (RFC 6455: policy violation). */
export const STREAM_REFUSED_CLOSE_CODE = 1008;
/** A refused stream that does not answer the close frame is cut after this long, not ws's 30 s. */
const REFUSED_CLOSE_GRACE_MS = 1000;

const BOT = { id: 'rahnama', name: 'Rahnama', role: 'bot' };

/**
 * The Direct Line 3.0 subset the web chat needs, served by Fastify (with @fastify/websocket
 * registered by the parent, see plugin.ts): tokens, starting a
 * conversation, posting activities and reading them by watermark. Every conversation route
 * checks that the bearer token names that conversation, and posted activities must come from
 * the user the token names (its `user` claim, as Direct Line's).
 */
const directLine: FastifyPluginAsync<DirectLineOptions> = async (app, opts) => {
  const { tokens, conversations } = opts;
  // Imported here, not above: the routes are served without botbuilder while the bot loads.
  const turns: DirectLineTurns = opts.turns === undefined ? new (await import('./turns.js')).WebChatTurns({ conversations, state: opts.storage, adapter: opts.adapter, bot: opts.bot }) : opts.turns;
  // A shared store that cannot be reached must not turn every request into an error.
  await app.register(rateLimit, { global: false, store: opts.rateLimitStore, skipOnError: true });
  const limited = { rateLimit: { max: opts.rateLimitMax, timeWindow: '1 minute' } };
  const sweep = () => conversations.sweep().catch((error: unknown) => app.log.warn({ err: (error as Error).message }, 'web chat: forgetting idle conversations failed'));
  const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  /** The bearer token's conversation and user. */
  const claimsOf = async (request: FastifyRequest): Promise<TokenClaims> => {
    // The stream's URL carries the token (`t`), as Direct Line's does: browsers cannot set
    // headers on a WebSocket.
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? (request.query as { t?: string } | undefined)?.t;
    if (!bearer) throw new RahnamaError('RAHNAMA_TOKEN_INVALID');
    const claims = tokens.verify(bearer);
    // A valid token for a forgotten conversation (swept, or a restarted server) starts it afresh.
    await conversations.create(claims.conversationId);
    return claims;
  };
  const ownConversation = async (request: FastifyRequest<{ Params: ConversationParams }>): Promise<TokenClaims> => {
    const claims = await claimsOf(request);
    if (claims.conversationId !== request.params.conversationId) throw new RahnamaError('RAHNAMA_TOKEN_INVALID');
    return claims;
  };
  /**
   * A token response. `user` says whom the token is for (the id is inside the token as well,
   * where botframework-webchat reads it): clients post their activities from that id.
   */
  const issued = ({ conversationId, userId }: TokenClaims, request?: FastifyRequest) => {
    const { token, expiresIn } = tokens.issue(conversationId, userId);
    const streamUrl = request && `${request.protocol === 'https' ? 'wss' : 'ws'}://${request.host}/v3/directline/conversations/${conversationId}/stream?t=${token}`;
    return { conversationId, token, expires_in: expiresIn, user: { id: userId }, ...(streamUrl ? { streamUrl } : {}) };
  };

  // A new conversation and a new user: the server chooses both, a client cannot pick someone else's.
  app.post('/v3/directline/tokens/generate', { config: limited }, async () => issued({ conversationId: await conversations.create(), userId: newUserId() }));

  app.post('/v3/directline/tokens/refresh', { config: limited }, async (request) => issued(await claimsOf(request)));

  app.post('/v3/directline/conversations', { config: limited }, async (request, reply) => {
    const claims = await claimsOf(request);
    const { conversationId, userId } = claims;
    // The bot greets a new conversation as Bot Framework channels do: a member joined.
    const fresh = await turns.start({
      type: 'conversationUpdate',
      channelId: WEBCHAT_CHANNEL_ID,
      conversation: { id: conversationId },
      from: { id: userId, role: 'user' },
      recipient: BOT,
      membersAdded: [{ id: userId }],
      locale: request.headers['accept-language']?.slice(0, 2),
      timestamp: new Date(),
    } as Activity);
    return reply.status(fresh ? 201 : 200).send(issued(claims, request));
  });

  // Reconnecting (Direct Line clients do this after a lost stream, or to resume by id): a fresh
  // token and a stream URL that starts after the client's watermark.
  app.get<{ Params: ConversationParams; Querystring: { watermark?: string } }>(
    '/v3/directline/conversations/:conversationId',
    { config: limited, schema: { querystring: { type: 'object', properties: { watermark: WATERMARK } } } },
    async (request) => {
      const conversation = issued(await ownConversation(request), request);
      const watermark = watermarkOf(request.query.watermark);
      return watermark === 0 ? conversation : { ...conversation, streamUrl: `${conversation.streamUrl}&watermark=${watermark}` };
    },
  );

  const openStreams = new OpenStreams(opts.streamLimits ?? DEFAULT_STREAM_LIMITS);

  // The stream: activities as they happen, each as an ActivitySet with its watermark.
  app.get<{ Params: ConversationParams; Querystring: { watermark?: string; t?: string } }>(
    '/v3/directline/conversations/:conversationId/stream',
    {
      websocket: true,
      schema: { querystring: { type: 'object', properties: { watermark: WATERMARK, t: { type: 'string' } } } },
      // Checked before the upgrade, so a bad token gets a plain 403.
      preValidation: async (request) => {
        await ownConversation(request);
      },
    },
    (socket, request) => {
      const { conversationId } = request.params;
      // Each stream holds a file descriptor: past the caps, the new one is closed with a code
      // (the client's other streams go on), and cut if it does not answer the close frame.
      const place = openStreams.open(conversationId, request.ip);
      if ('refused' in place) {
        request.log.debug({ full: place.refused }, 'web chat: stream refused');
        socket.close(STREAM_REFUSED_CLOSE_CODE, new RahnamaError('RAHNAMA_TOO_MANY_STREAMS').code);
        setTimeout(() => socket.terminate(), REFUSED_CLOSE_GRACE_MS).unref();
        return;
      }
      // The backlog after the client's watermark first, then each activity as it comes.
      let unsubscribe: (() => void) | undefined;
      let closed = false;
      conversations
        .subscribe(conversationId, watermarkOf(request.query.watermark), (activities, watermark) => socket.send(JSON.stringify({ activities, watermark: String(watermark) })))
        .then(
          (stop) => (closed ? stop() : (unsubscribe = stop)),
          // The store is unreachable: the client reconnects, as after any lost stream.
          () => socket.close(1011),
        );
      const keepAlive = setInterval(() => socket.ping(), KEEP_ALIVE_MS);
      socket.on('close', () => {
        closed = true;
        place.release();
        clearInterval(keepAlive);
        unsubscribe?.();
      });
      // Clients only listen on this socket; anything they send is ignored.
      socket.on('message', () => undefined);
    },
  );

  app.get<{ Params: ConversationParams; Querystring: { watermark?: string } }>(
    '/v3/directline/conversations/:conversationId/activities',
    { schema: { querystring: { type: 'object', properties: { watermark: WATERMARK } } } },
    async (request) => {
      const { conversationId } = await ownConversation(request);
      const { activities, watermark } = await conversations.since(conversationId, watermarkOf(request.query.watermark));
      return { activities, watermark: String(watermark) };
    },
  );

  /** The token's claims, checked before the body is validated, for the handler. */
  const postedBy = new WeakMap<FastifyRequest, TokenClaims>();
  app.post<{ Params: ConversationParams; Body: PostedActivity }>(
    '/v3/directline/conversations/:conversationId/activities',
    {
      bodyLimit: 4 * opts.maxQuestionLength + 4096,
      // Per conversation, not per address: many people may share one address (a reception
      // centre's Wi-Fi), and one flooding conversation must not silence the others. The token
      // is checked first, so the key is a conversation the client really holds.
      preValidation: async (request) => {
        postedBy.set(request, await ownConversation(request));
      },
      config: { rateLimit: { max: opts.rateLimitMax, timeWindow: '1 minute', hook: 'preHandler', keyGenerator: (request) => `conversation:${(request.params as ConversationParams).conversationId}` } },
      schema: {
        body: {
          type: 'object',
          required: ['type', 'from'],
          // No NUL or unpaired surrogate in any field, known or not (see server/validation.ts).
          wellFormedText: true,
          properties: {
            type: { type: 'string', enum: ['message', 'event', 'typing'] },
            text: { type: 'string', maxLength: opts.maxQuestionLength },
            from: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 }, name: { type: 'string', maxLength: 128 } } },
            locale: { type: 'string', maxLength: 20 },
            channelData: {
              type: 'object',
              properties: { clientActivityID: { type: 'string', maxLength: 64 }, postBack: { type: 'boolean' } },
            },
          },
        },
      },
    },
    async (request) => {
      const { conversationId, userId } = postedBy.get(request) ?? (await ownConversation(request));
      const body = request.body;
      // The user's state is keyed by this id: only the token's user may write in its conversation.
      if (body.from.id !== userId) throw new RahnamaError('RAHNAMA_TOKEN_USER_MISMATCH');
      // Only what the bot and clients need is kept from the client's activity: no arbitrary data.
      const clientActivityID = body.channelData?.clientActivityID;
      const postBack = body.channelData?.postBack;
      const activity = {
        type: body.type,
        text: body.text,
        // What a person typed is plain text: clients must not render it as Markdown or HTML.
        ...(body.text !== undefined ? { textFormat: 'plain' } : {}),
        value: body.value,
        locale: body.locale,
        from: { id: body.from.id, name: body.from.name, role: 'user' },
        channelId: WEBCHAT_CHANNEL_ID,
        conversation: { id: conversationId },
        recipient: BOT,
        timestamp: new Date(),
        ...(clientActivityID !== undefined || postBack !== undefined ? { channelData: { clientActivityID, postBack } } : {}),
      } as Activity;
      return { id: await turns.post(activity) };
    },
  );
};

export default directLine;
