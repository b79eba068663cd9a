import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { RahnamaError } from '../../errors.js';
import { botCore, type BotCore, type BotStack, type Channel, type ChannelDefinition, type ChannelDeps } from './channel.js';
import { entryLimitProblems, limitProblems, type CheckedKnowledge, type LimitProblem } from './limits.js';

/** What the server passes when it registers the channels: its shared HTTP parts. */
export interface ChannelRoutesOptions {
  readonly rateLimitStore?: FastifyRateLimitStoreCtor;
  readonly widgetDir?: string;
}

interface Opened {
  readonly definition: ChannelDefinition;
  readonly channel: Channel;
}

/**
 * The channels the configuration turns on, from a list of definitions (`channels/registry.ts`):
 * made and their routes registered by `plugin` (before the server listens), started once it
 * listens, stopped at shutdown. Each one's limits are checked against the knowledge when it is
 * made and again whenever an entry is published.
 */
export class ChannelSet {
  private readonly opened: Opened[] = [];
  private log: FastifyBaseLogger | undefined;
  private readonly deps: Omit<ChannelDeps, 'log' | 'rateLimitStore' | 'widgetDir'>;

  /** `deps.bot`: the bot stack made already, or a BotCore that makes it when first asked for (main.ts). */
  constructor(
    private readonly definitions: readonly ChannelDefinition[],
    { bot, ...deps }: Omit<ChannelDeps, 'log' | 'rateLimitStore' | 'widgetDir' | 'bot'> & { readonly bot: BotCore | BotStack },
  ) {
    this.deps = { ...deps, bot: 'load' in bot ? bot : botCore(bot, async () => bot) };
  }

  /** The names of the channels made, in the list's order. */
  get names(): string[] {
    return this.opened.map((o) => o.definition.name);
  }

  /** Makes the channels turned on, checks their limits and registers their routes, each in its own encapsulated scope. */
  readonly plugin: FastifyPluginAsync<ChannelRoutesOptions> = async (app, opts) => {
    this.log = app.log;
    const deps: ChannelDeps = { ...this.deps, ...opts, log: app.log };
    for (const definition of this.definitions.filter((d) => d.enabled(this.deps.config))) {
      const channel = await definition.create(deps);
      this.opened.push({ definition, channel });
      if (channel.plugin) await app.register(channel.plugin);
    }
    this.checkLimits();
  };

  /** Starts every channel; one that fails (Telegram out of reach) is logged and keeps none of the others from serving. */
  start(): void {
    for (const { definition, channel } of this.opened) {
      channel.start().then(
        () => this.log?.info({ ...channel.details }, `${definition.name}: started`),
        (error: unknown) => this.log?.error({ err: (error as Error).message }, `${definition.name}: could not start`),
      );
    }
  }

  /** Stops every channel, waiting for the turns in hand. */
  async stop(): Promise<void> {
    await Promise.all(this.opened.map(({ channel }) => channel.stop()));
  }

  /** Deletes the channels' own records that are of no more use (handled updates); resolves with how many. */
  async deleteExpired(): Promise<number> {
    const removed = await Promise.all(this.opened.map(({ channel }) => channel.deleteExpired?.() ?? 0));
    return removed.reduce((sum, n) => sum + n, 0);
  }

  /** Logs, with code RAHNAMA_CHANNEL_LIMIT, what the knowledge holds that a channel cannot carry, now and on every publish. */
  private checkLimits(): void {
    const { knowledge, engine } = this.deps;
    const checked: CheckedKnowledge = { entries: knowledge.entries, flows: knowledge.flows, answerText: (id, lang) => engine.answerEntry(id, lang)?.answer };
    for (const { definition } of this.opened) this.report(limitProblems(definition.name, definition.limits, checked));
    knowledge.onChange((change) => {
      if (change.kind !== 'entry-upserted') return;
      for (const { definition } of this.opened) this.report(entryLimitProblems(definition.name, definition.limits, change.id, checked));
    });
  }

  private report(problems: readonly LimitProblem[]): void {
    // A too-long button fails when sent: an error. A too-long answer is refused by the platform: a warning for the editor.
    for (const problem of problems) {
      const { code, message } = new RahnamaError('RAHNAMA_CHANNEL_LIMIT', [problem.channel, problem.where, problem.detail]);
      const line = { code, channel: problem.channel, where: problem.where };
      if (problem.kind === 'button') this.log?.error(line, message);
      else this.log?.warn(line, message);
    }
  }
}
