import type { Activity } from 'botbuilder';
import type { FastifyBaseLogger } from 'fastify';
import { counsellorActivity, endedActivities } from '../../bot/person-handoff.js';
import type { EndedHandoff, HandoffDesk } from '../../handoff/handoff-desk.js';
import { HANDOFF_TOPIC, parseHandoffNotice } from '../../handoff/handoff-records.js';
import type { Locales } from '../../i18n/locales.js';
import type { Store } from '../../storage/store.js';

/** Where a handoff's person is, as the desk kept it: who, and the chat id or conversation to write to. */
export interface HandoffAddress {
  readonly person: string;
  readonly chatId?: string;
  readonly conversation?: string;
}

/** A channel's way of writing to a person outside their turns (a counsellor's reply, the end). */
export interface HandoffRecipient {
  send(address: HandoffAddress, activities: readonly Partial<Activity>[]): Promise<void>;
}

type Log = Pick<FastifyBaseLogger, 'warn' | 'debug'>;

/**
 * Brings counsellor replies and the end of a handoff to the person, on their own channel.
 * Every instance listens to the store's `handoff` notices (ids only) and asks the desk for what
 * was not delivered yet (`takeDelivery`, a conditional write: one instance wins each message),
 * so a counsellor on instance B reaches a person whose web chat socket is on instance A (the
 * web chat's conversations are shared through the store) or on Telegram (any instance with the
 * channel can write to it). The end is told by the instance that closed the handoff
 * (`desk.onEnded`), the only one that still has the Telegram chat id.
 */
export class HandoffDelivery {
  private readonly recipients = new Map<string, HandoffRecipient>();
  /** One delivery at a time per handoff here, so the person sees replies in order and the end last. */
  private readonly inHand = new Map<string, Promise<void>>();
  private stopListening: (() => Promise<void>) | undefined;

  constructor(
    private readonly desk: HandoffDesk,
    private readonly store: Store,
    private readonly locales: Locales,
    private log?: Log,
  ) {
    desk.onEnded((ended) => this.queue(ended.handoff.id, () => this.tellEnd(ended)));
  }

  /** The channel `name` can write to its people (web chat: at once; Telegram: once it is made). */
  recipient(name: string, recipient: HandoffRecipient): void {
    this.recipients.set(name, recipient);
  }

  /** Listens to the notices (and, after a lost connection, looks for what was missed). */
  async start(log?: Log): Promise<void> {
    if (log) this.log = log;
    if (this.stopListening) return;
    this.stopListening = await this.store.broadcast.subscribe(
      HANDOFF_TOPIC,
      (message) => {
        const notice = parseHandoffNotice(message);
        if (notice?.event === 'message' && notice.from === 'counsellor') this.queue(notice.id, () => this.deliver(notice.id));
      },
      () => void this.catchUp(),
    );
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
    this.stopListening = undefined;
    await Promise.allSettled([...this.inHand.values()]);
  }

  /** Delivers what notices missed (a lost connection, an instance that stopped): on a schedule too. */
  async catchUp(): Promise<void> {
    try {
      for (const id of await this.desk.undelivered()) this.queue(id, () => this.deliver(id));
      await Promise.allSettled([...this.inHand.values()]);
    } catch (error) {
      this.log?.warn({ err: (error as Error).message }, 'handoff: looking for undelivered replies failed');
    }
  }

  /** Resolves once what is in hand now is delivered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inHand.size > 0) await Promise.allSettled([...this.inHand.values()]);
  }

  private queue(id: string, task: () => Promise<void>): void {
    const next = (this.inHand.get(id) ?? Promise.resolve()).then(task).catch((error: unknown) => {
      // Never the text or the person: the handoff id and why.
      this.log?.warn({ handoff: id, err: (error as Error).message }, 'handoff: delivery to the person failed');
    });
    this.inHand.set(id, next);
    void next.finally(() => {
      if (this.inHand.get(id) === next) this.inHand.delete(id);
    });
  }

  private async deliver(id: string): Promise<void> {
    const taken = await this.desk.takeDelivery(id, [...this.recipients.keys()]);
    if (!taken) return;
    const activities = taken.messages.map((m) => counsellorActivity(this.locales, taken.language, m));
    await this.recipients.get(taken.channel)?.send(taken, activities);
  }

  private async tellEnd(ended: EndedHandoff): Promise<void> {
    const { handoff, undelivered } = ended;
    const recipient = this.recipients.get(handoff.channel);
    if (!recipient) return;
    const activities = [
      ...undelivered.map((m) => counsellorActivity(this.locales, handoff.language, m)),
      ...endedActivities(this.locales, handoff.language, handoff.ending),
    ];
    const address: HandoffAddress = { person: handoff.person, ...(ended.chatId !== undefined ? { chatId: ended.chatId } : {}), ...(ended.conversation !== undefined ? { conversation: ended.conversation } : {}) };
    await recipient.send(address, activities);
  }
}
