import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { Config } from '../../config.js';
import type { LiveKnowledge } from '../../knowledge/live-knowledge.js';
import type { AnswerEngine } from '../../retrieval/engine.js';
import type { Store } from '../../storage/store.js';
import type { WebChatParts } from '../webchat/parts.js';
import type { createWebChat } from '../webchat/setup.js';
import type { ChannelLimits } from './limits.js';

/** The shared bot core with its state and insights (made with the web chat's parts by `createWebChat`). */
export type BotStack = Awaited<ReturnType<typeof createWebChat>>;

/**
 * The bot core as the channels get it: its parts that need no botbuilder at once, the rest when
 * first asked for. botbuilder takes about 0.5 s to import: the server can listen, with the web
 * chat's routes waiting for the bot, before it is in.
 */
export interface BotCore {
  /** State, insights, conversations and their tokens. */
  readonly parts: WebChatParts;
  /** The whole stack: made on the first call, the same promise after. */
  load(): Promise<BotStack>;
}

/** A BotCore whose stack `make` makes once, when first asked for. */
export function botCore(parts: WebChatParts, make: () => Promise<BotStack>): BotCore {
  let stack: Promise<BotStack> | undefined;
  return { parts, load: () => (stack ??= make()) };
}

/** What a channel is made from: the server's shared parts. */
export interface ChannelDeps {
  readonly config: Config;
  /** The bot core every channel's turns run through, with its state (a channel that needs the bot to be made loads it). */
  readonly bot: BotCore;
  /** The knowledge in service, which the channel's limits are checked against. */
  readonly knowledge: LiveKnowledge;
  /** The answer engine: its locales, and each answer as sent. */
  readonly engine: AnswerEngine;
  /** Where secrets left empty are generated and kept, and handled updates recorded. */
  readonly store: Store;
  /** The server's logger. */
  readonly log: FastifyBaseLogger;
  /** A rate-limit store shared by every instance (PostgreSQL); absent, each instance counts alone. */
  readonly rateLimitStore?: FastifyRateLimitStoreCtor;
  /** The built widget's folder; absent, no widget is served. */
  readonly widgetDir?: string;
}

/** A channel made and ready to be served. */
export interface Channel {
  /** Its routes (a webhook, Direct Line), registered before the server listens; absent, it has none. */
  readonly plugin?: FastifyPluginAsync;
  /** Fields of its "started" log line (Telegram: webhook or polling). */
  readonly details?: Readonly<Record<string, string>>;
  /** Once the server listens: registers webhooks, starts polling. A failure is logged; the others keep serving. */
  start(): Promise<void>;
  /** At shutdown, after the server stopped taking requests: stops fetching and finishes the turns in hand. */
  stop(): Promise<void>;
  /** Retention: deletes the channel's own records that are of no more use; resolves with how many. */
  deleteExpired?(): Promise<number>;
}

/**
 * A kind of channel, as listed in `channels/registry.ts`. The definition itself is light: its
 * code (botbuilder's CloudAdapter, grammY) is imported by `create`, so a deployment that does not
 * turn a channel on never loads it.
 */
export interface ChannelDefinition {
  /** Lower-case name, for logs and the limit checks' messages. */
  readonly name: string;
  /** What the platform refuses or cuts: checked against the knowledge at start-up. */
  readonly limits: ChannelLimits;
  /** Whether the configuration turns it on (a token, an app id). */
  enabled(config: Config): boolean;
  /** Makes the channel (before the server listens). */
  create(deps: ChannelDeps): Promise<Channel>;
}
