import { randomBytes } from 'node:crypto';
import { VersionConflictError, type Counters, type DocumentChange, type Documents, type Store } from '../storage/store.js';
import type { Config } from '../config.js';
import { chatIdCipher, type ChatIdCipher } from './chat-id-cipher.js';
import { CounsellorPresence } from './counsellor-presence.js';
import {
  HANDOFF_TOPIC,
  type ClosedHandoff,
  type HandoffDocument,
  type HandoffEnding,
  type HandoffMessage,
  type HandoffNotice,
  type HandoffOutcome,
  type HandoffOutcomeRecord,
  type OpenHandoff,
  type PersonHandoffs,
  type QueueItem,
} from './handoff-records.js';
import { localTime, openingAt, type OpeningHours, type OpeningState } from './opening-hours.js';
import { TranscriptReads } from './transcript-reads.js';

/**
 * The channel-independent core of "talk to a person": the queue, claims, messages both ways,
 * ends with an outcome, retention and `/forget`, all on the Store, so a person on one instance
 * and a counsellor on another share it. Every change is a conditional write (`ifVersion`) and
 * is announced on the broadcast (topic `handoff`) without text. The channels deliver messages;
 * the console shows the queue; neither is wired here yet.
 */

export interface HandoffDeskOptions {
  readonly hours: OpeningHours;
  /** A claimed conversation this long without a message ends by itself (`endIdle`). */
  readonly idleMinutes: number;
  /** Transcripts are deleted this many days after they were written (`deleteExpired`). */
  readonly retentionDays: number;
  /** Needed to keep a Telegram chat id; absent: requests with a chat id are refused. */
  readonly cipher?: ChatIdCipher;
  /** Who is online: within the hours but with nobody online, a request is treated as outside them. Absent: the hours alone decide. */
  readonly presence?: CounsellorPresence;
  /** The clock (tests); default the real one. */
  readonly now?: () => Date;
}

/** Whether a request now reaches a counsellor live: the opening hours, and (closed) whether only because nobody is online. */
export type Availability = OpeningState & { readonly nobodyOnline?: boolean };

/**
 * What to hand to a person's channel (`takeDelivery`): counsellor messages not delivered yet
 * and, once it closed, how it ended. Taken by one instance only.
 */
export interface HandoffDelivery {
  readonly id: string;
  readonly person: string;
  readonly channel: string;
  readonly language: string;
  /** The clear Telegram chat id, if the handoff had one. */
  readonly chatId?: string;
  /** The channel's conversation (web chat), if it had one. */
  readonly conversation?: string;
  readonly messages: readonly HandoffMessage[];
  /** Set when the handoff has closed: the person is told, and the bot takes over again. */
  readonly ended?: HandoffEnding;
}

/** Told of every handoff this desk closes (a counsellor's end, idle, retention), at once and only here. */
export type EndedListener = (ended: EndedHandoff) => void;

export interface HandoffRequest {
  readonly person: string;
  readonly channel: string;
  readonly language: string;
  readonly recentEntryIds?: readonly string[];
  /** The clear Telegram chat id, for a later reply; sealed before it is stored. */
  readonly chatId?: string;
  /** The channel's conversation to write replies to (the web chat's). */
  readonly conversation?: string;
}

/** Why a change was not made. */
export interface HandoffRefusal {
  readonly ok: false;
  /** `missing`: no such handoff (or forgotten); `ended`: already closed; `claimed`: another counsellor holds it; `not-yours`: the caller does not hold the claim. */
  readonly reason: 'missing' | 'ended' | 'claimed' | 'not-yours';
  /** Who holds the claim, for `claimed`. */
  readonly claimedBy?: string;
}
export type HandoffChange<T> = { readonly ok: true; readonly value: T } | HandoffRefusal;

/** A handoff just closed, and its clear Telegram chat id (if it had one), which the store no longer keeps. */
export interface EndedHandoff {
  readonly handoff: ClosedHandoff;
  readonly chatId?: string;
  /** The channel's conversation it was open in (web chat), which the store no longer keeps either. */
  readonly conversation?: string;
  /** Counsellor messages the person's channel had not been handed yet (`takeDelivery`): delivered with the end. */
  readonly undelivered: readonly HandoffMessage[];
}

const refuse = (reason: HandoffRefusal['reason'], claimedBy?: string): HandoffRefusal => (claimedBy ? { ok: false, reason, claimedBy } : { ok: false, reason });

const DAY_MS = 86_400_000;
const messagePrefix = (id: string) => `message/${id}/`;
/** Zero-padded, so key order is number order. */
const messageKey = (id: string, n: number) => `${messagePrefix(id)}${String(n).padStart(8, '0')}`;
const newId = () => randomBytes(9).toString('base64url');

export class HandoffDesk {
  private readonly docs: Documents<HandoffDocument>;
  private readonly outcomes: Documents<HandoffOutcomeRecord>;
  private readonly requests: Counters;
  private readonly reads: TranscriptReads;
  private readonly now: () => Date;
  /**
   * Per Store, not per desk: any desk this instance makes on the same store (the console's, the
   * bot's) tells the same listeners, so an end is never left untold for want of the right object.
   */
  private static readonly endedListeners = new WeakMap<Store, Set<EndedListener>>();

  constructor(
    private readonly store: Store,
    private readonly options: HandoffDeskOptions,
  ) {
    this.docs = store.documents('handoffs');
    this.outcomes = store.documents('handoff-outcomes');
    this.requests = store.counters('handoff-requests');
    this.reads = new TranscriptReads(store);
    this.now = options.now ?? (() => new Date());
  }

  /** The desk the configuration describes (`config.handoff`): without `HANDOFF_KEY`, no Telegram chat ids. */
  static fromConfig(store: Store, config: Config['handoff']): HandoffDesk {
    const cipher = chatIdCipher(config.key);
    return new HandoffDesk(store, { hours: config.hours, idleMinutes: config.idleMinutes, retentionDays: config.retentionDays, presence: new CounsellorPresence(store), ...(cipher ? { cipher } : {}) });
  }

  /** The time zone of the opening hours, to say the next opening in. */
  get timeZone(): string {
    return this.options.hours.timeZone;
  }

  /** Days a transcript is kept (`HANDOFF_RETENTION_DAYS`), to tell the person before they confirm. */
  get retentionDays(): number {
    return this.options.retentionDays;
  }

  /** Whether a request now reaches a counsellor live: within the hours and (with presence) someone online. */
  async availability(at = this.now()): Promise<Availability> {
    const opening = this.opening(at);
    if (!opening.open || !this.options.presence) return opening;
    if ((await this.options.presence.online()).length > 0) return opening;
    return { open: false, opensAt: undefined, nobodyOnline: true };
  }

  /** Whether Telegram chat ids can be kept (`HANDOFF_KEY` set): without, handoff on Telegram is off. */
  get keepsChatIds(): boolean {
    return this.options.cipher !== undefined;
  }

  /** Whether counsellors take conversations now, and until or from when. */
  opening(at = this.now()): OpeningState {
    return openingAt(this.options.hours, at);
  }

  /**
   * Puts a person who confirmed into the queue. A person has one open handoff at a time: asking
   * again returns the open one (`created: false`).
   */
  async request(request: HandoffRequest): Promise<{ handoff: OpenHandoff; created: boolean; opening: Availability }> {
    if (request.chatId !== undefined && !this.options.cipher) throw new Error('HANDOFF_KEY is not set: a Telegram chat id cannot be kept, so handoff on Telegram is off');
    for (;;) {
      const now = this.now();
      const opening = await this.availability(now);
      const personKey = `person/${request.person}`;
      const personDoc = await this.docs.get(personKey);
      const person = personDoc?.value as PersonHandoffs | undefined;
      if (person?.open) {
        const open = await this.openDoc(person.open);
        if (open) return { handoff: open.value, created: false, opening };
      }
      const id = newId();
      const handoff: OpenHandoff = {
        kind: 'open',
        id,
        person: request.person,
        channel: request.channel,
        language: request.language,
        recentEntryIds: [...(request.recentEntryIds ?? [])].slice(-5),
        requestedAt: now.toISOString(),
        outsideHours: !opening.open,
        state: 'waiting',
        lastActivityAt: now.toISOString(),
        messageCount: 0,
        ...(request.chatId !== undefined && this.options.cipher ? { sealedChatId: this.options.cipher.seal(request.chatId, id) } : {}),
        ...(request.conversation !== undefined ? { conversation: request.conversation } : {}),
      };
      const index: PersonHandoffs = { kind: 'person', open: id, ids: [...(person?.ids ?? []), id] };
      try {
        await this.docs.apply(
          [
            { key: personKey, value: index, ifVersion: personDoc?.version ?? null },
            { key: `open/${id}`, value: handoff, ifVersion: null },
          ],
          now,
        );
      } catch (error) {
        if (error instanceof VersionConflictError) continue; // the same person asked twice at once: take the other request's handoff
        throw error;
      }
      await this.requests.add(localTime(now, this.options.hours.timeZone).date, {
        requests: 1,
        [`language:${request.language}`]: 1,
        [`channel:${request.channel}`]: 1,
        ...(handoff.outsideHours ? { 'outside-hours': 1 } : {}),
      });
      await this.notify({ event: 'requested', id });
      return { handoff, created: true, opening };
    }
  }

  /** An open or closed handoff (the console's view; the chat id stays sealed). */
  async get(id: string): Promise<OpenHandoff | ClosedHandoff | undefined> {
    const [doc] = await this.docs.getMany([`open/${id}`, `closed/${id}`]);
    return doc?.value as OpenHandoff | ClosedHandoff | undefined;
  }

  /** The person's open handoff, if any: while there is one, the bot stays quiet (danger words aside). */
  async openHandoffOf(person: string): Promise<OpenHandoff | undefined> {
    const index = (await this.docs.get(`person/${person}`))?.value as PersonHandoffs | undefined;
    return index?.open ? (await this.openDoc(index.open))?.value : undefined;
  }

  /** Waiting conversations first (longest waiting first), then claimed ones. */
  async queue(): Promise<QueueItem[]> {
    const open = (await this.docs.list({ prefix: 'open/' })).map((d) => d.value as OpenHandoff);
    open.sort((a, b) => (a.state === b.state ? a.requestedAt.localeCompare(b.requestedAt) : a.state === 'waiting' ? -1 : 1));
    return open.map(({ kind: _kind, person: _person, sealedChatId: _chatId, conversation: _conversation, deliveredUpTo: _delivered, ...item }) => item);
  }

  /** The handoff's place among those waiting (1: next), or undefined once claimed or closed. */
  async placeOf(id: string): Promise<number | undefined> {
    const waiting = (await this.queue()).filter((h) => h.state === 'waiting');
    const index = waiting.findIndex((h) => h.id === id);
    return index < 0 ? undefined : index + 1;
  }

  /** A message from the person into their open handoff; undefined when they have none. */
  async personWrites(person: string, text: string): Promise<{ handoff: OpenHandoff; message: HandoffMessage; key: string } | undefined> {
    const open = await this.openHandoffOf(person);
    if (!open) return undefined;
    const message: HandoffMessage = { kind: 'message', handoffId: open.id, from: 'person', text, at: this.now().toISOString() };
    const written = await this.change(open.id, (h) => ({ ...h, lastActivityAt: message.at, messageCount: h.messageCount + 1 }), message);
    if (!written.ok) return undefined;
    const key = messageKey(open.id, written.value.messageCount);
    await this.notify({ event: 'message', id: open.id, from: 'person', message: key });
    return { handoff: written.value, message, key };
  }

  /** Claims a waiting conversation: of two counsellors claiming at once, exactly one wins. */
  async claim(id: string, counsellor: string): Promise<HandoffChange<OpenHandoff>> {
    const result = await this.change(id, (h) => {
      if (h.state === 'claimed') return h.claimedBy === counsellor ? h : refuse('claimed', h.claimedBy);
      const at = this.now().toISOString();
      return { ...h, state: 'claimed', claimedBy: counsellor, firstClaimedAt: h.firstClaimedAt ?? at };
    });
    if (result.ok) await this.notify({ event: 'claimed', id });
    return result;
  }

  /** Hands the claim from its holder to a colleague. */
  async handOver(id: string, from: string, to: string): Promise<HandoffChange<OpenHandoff>> {
    const result = await this.change(id, (h) => (h.claimedBy === from ? { ...h, claimedBy: to } : refuse('not-yours')));
    if (result.ok) await this.notify({ event: 'handed-over', id });
    return result;
  }

  /** Puts a claimed conversation back in the queue. */
  async release(id: string, counsellor: string): Promise<HandoffChange<OpenHandoff>> {
    const result = await this.change(id, (h) => {
      if (h.claimedBy !== counsellor) return refuse('not-yours');
      const { claimedBy: _claimedBy, ...rest } = h;
      return { ...rest, state: 'waiting' };
    });
    if (result.ok) await this.notify({ event: 'released', id });
    return result;
  }

  /** A reply from the counsellor holding the claim; `entryId` when it is an entry's answer inserted. */
  async reply(id: string, counsellor: string, text: string, entryId?: string): Promise<HandoffChange<{ handoff: OpenHandoff; message: HandoffMessage; key: string }>> {
    const at = this.now().toISOString();
    const message: HandoffMessage = { kind: 'message', handoffId: id, from: 'counsellor', text, at, counsellor, ...(entryId ? { entryId } : {}) };
    const result = await this.change(
      id,
      (h) => (h.claimedBy === counsellor ? { ...h, firstReplyAt: h.firstReplyAt ?? at, lastActivityAt: at, messageCount: h.messageCount + 1 } : refuse('not-yours')),
      message,
    );
    if (!result.ok) return result;
    const key = messageKey(id, result.value.messageCount);
    await this.notify({ event: 'message', id, from: 'counsellor', message: key });
    return { ok: true, value: { handoff: result.value, message, key } };
  }

  /** The clear Telegram chat id of an open handoff, to deliver a reply. */
  async chatIdOf(id: string): Promise<string | undefined> {
    const open = (await this.openDoc(id))?.value;
    return open?.sealedChatId && this.options.cipher ? this.options.cipher.open(open.sealedChatId, id) : undefined;
  }

  /**
   * The messages since the person confirmed, oldest first, for `reader` (a staff e-mail
   * address): every read is recorded (who, when, which handoff) before anything is returned.
   */
  async transcript(id: string, reader: string): Promise<HandoffMessage[]> {
    await this.reads.record({ at: this.now().toISOString(), who: reader, handoffId: id });
    return (await this.docs.list({ prefix: messagePrefix(id) })).map((d) => d.value as HandoffMessage);
  }

  /**
   * The messages after `afterKey` (a key from a notice or an earlier call; absent: all), for
   * delivering to the person on their own channel. Keys number a handoff's messages in the
   * order they were written, whatever the instances' clocks. Not a staff read, so not
   * recorded: a counsellor's view reads through `transcript`.
   */
  async messagesSince(id: string, afterKey?: string): Promise<{ key: string; message: HandoffMessage }[]> {
    const docs = await this.docs.list({ prefix: messagePrefix(id), ...(afterKey !== undefined ? { after: afterKey } : {}) });
    return docs.map((d) => ({ key: d.key, message: d.value as HandoffMessage }));
  }

  /**
   * The counsellor messages of an open handoff not yet handed to the person's channel: taken by
   * one caller only (a conditional write moves `deliveredUpTo`), so with every instance
   * listening to the notices each message is delivered once. Undefined: nothing to deliver, or
   * another caller took it, or its channel is not among `channels` (or the handoff closed: its
   * closing delivers the rest, see `onEnded`). Taken before it is delivered: an instance that stops in between loses it, never
   * repeats it.
   */
  async takeDelivery(id: string, channels?: readonly string[]): Promise<HandoffDelivery | undefined> {
    let tried: string | undefined;
    for (;;) {
      const open = await this.openDoc(id);
      if (!open) return undefined;
      const h = open.value;
      // Only a caller that can reach the person's channel takes it.
      if (channels && !channels.includes(h.channel)) return undefined;
      // Another caller took what this one tried (its write came first): nothing left to look for.
      if (tried !== undefined && h.deliveredUpTo !== undefined && h.deliveredUpTo >= tried) return undefined;
      const since = await this.messagesSince(id, h.deliveredUpTo);
      const messages = since.filter((m) => m.message.from === 'counsellor').map((m) => m.message);
      if (messages.length === 0) return undefined;
      tried = since.at(-1)!.key;
      try {
        await this.docs.apply([{ key: `open/${id}`, value: { ...h, deliveredUpTo: tried }, ifVersion: open.version }], this.now());
      } catch (error) {
        if (error instanceof VersionConflictError) continue; // a message came, another instance took these, or it closed: look again
        throw error;
      }
      const chatId = h.sealedChatId && this.options.cipher ? this.options.cipher.open(h.sealedChatId, id) : undefined;
      return {
        id,
        person: h.person,
        channel: h.channel,
        language: h.language,
        messages,
        ...(chatId !== undefined ? { chatId } : {}),
        ...(h.conversation !== undefined ? { conversation: h.conversation } : {}),
      };
    }
  }

  /** Open handoffs with counsellor messages their person's channel may not have had (after a missed notice). */
  async undelivered(): Promise<string[]> {
    const open = (await this.docs.list({ prefix: 'open/' })).map((d) => d.value as OpenHandoff);
    return open.filter((h) => h.firstReplyAt !== undefined && (h.deliveredUpTo === undefined || h.deliveredUpTo < messageKey(h.id, h.messageCount))).map((h) => h.id);
  }

  /**
   * Calls `listener` with each handoff a desk on this store object closes (this instance),
   * right after it closed, with its chat id and the counsellor messages not delivered yet: the
   * one instance that closed it tells the person, so the chat id need not outlive the handoff
   * in the store. (Another instance's desks tell its own listeners.) Returns a function that stops it.
   */
  onEnded(listener: EndedListener): () => void {
    const listeners = HandoffDesk.endedListeners.get(this.store) ?? new Set();
    HandoffDesk.endedListeners.set(this.store, listeners);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** The person's one-tap "was this helpful?" after a handoff: counted per day, nothing about who. */
  async countFeedback(helpful: boolean, language: string): Promise<void> {
    await this.requests.add(localTime(this.now(), this.options.hours.timeZone).date, { [helpful ? 'helpful' : 'not-helpful']: 1, [`${helpful ? 'helpful' : 'not-helpful'}:${language}`]: 1 });
  }

  /** Who read this handoff's transcript, and when. */
  readsOf(id: string) {
    return this.reads.of(id);
  }

  /**
   * Ends a conversation with an outcome; a claimed one only by the counsellor holding it. The
   * Telegram chat id, dropped from the store, is returned this once so the person can be told.
   */
  async end(id: string, outcome: HandoffOutcome, counsellor: string): Promise<HandoffChange<EndedHandoff>> {
    return this.close(id, outcome, counsellor);
  }

  /** Ends claimed conversations without a message for `idleMinutes`; returns them (with chat ids, to tell the people). */
  async endIdle(): Promise<EndedHandoff[]> {
    const cutoff = this.now().getTime() - this.options.idleMinutes * 60_000;
    const idle = (await this.queue()).filter((h) => h.state === 'claimed' && Date.parse(h.lastActivityAt) <= cutoff);
    const ended: EndedHandoff[] = [];
    for (const h of idle) {
      const result = await this.close(h.id, 'idle', undefined, (current) => Date.parse(current.lastActivityAt) <= cutoff);
      if (result.ok) ended.push(result.value);
    }
    return ended;
  }

  /**
   * Retention: deletes messages and closed handoffs written more than `retentionDays` ago, and
   * ends open ones silent for that long (their chat ids go with them).
   */
  async deleteExpired(): Promise<{ messages: number; handoffs: number }> {
    const cutoff = new Date(this.now().getTime() - this.options.retentionDays * DAY_MS);
    // Silent past retention while open: ended now, and deleted with the rest below.
    const silent = new Set<string>();
    for (const h of await this.queue()) {
      if (Date.parse(h.lastActivityAt) >= cutoff.getTime()) continue;
      const ended = await this.close(h.id, 'expired', undefined, (current) => Date.parse(current.lastActivityAt) < cutoff.getTime());
      if (ended.ok) silent.add(h.id);
    }
    const messages = await this.docs.deleteWrittenBefore(cutoff, { prefix: 'message/' });
    const closed = await this.docs.list({ prefix: 'closed/' });
    const expired = closed.filter((d) => d.updatedAt < cutoff || silent.has((d.value as ClosedHandoff).id)).map((d) => d.value as ClosedHandoff);
    const handoffs = await this.docs.delete(expired.map((h) => `closed/${h.id}`));
    // People whose handoffs are all gone: drop them from the index.
    const people = await this.docs.list({ prefix: 'person/' });
    const gone = new Set(expired.map((h) => h.id));
    for (const doc of people) {
      const index = doc.value as PersonHandoffs;
      const ids = index.ids.filter((id) => !gone.has(id));
      if (ids.length === index.ids.length) continue;
      const change: DocumentChange<HandoffDocument> = ids.length === 0 && !index.open ? { key: doc.key, value: null, ifVersion: doc.version } : { key: doc.key, value: { ...index, ids }, ifVersion: doc.version };
      // A conflict means the person just asked again: the next run tidies their entry.
      await this.docs.apply([change], this.now()).catch((error: unknown) => {
        if (!(error instanceof VersionConflictError)) throw error;
      });
    }
    return { messages, handoffs };
  }

  /** `/forget`: deletes the person's handoffs and their transcripts at once (open ones end); returns how many handoffs. */
  async forget(person: string): Promise<number> {
    const key = `person/${person}`;
    const index = (await this.docs.get(key))?.value as PersonHandoffs | undefined;
    if (!index) return 0;
    const ids = [...new Set([...index.ids, ...(index.open ? [index.open] : [])])];
    await this.docs.delete([key, ...ids.flatMap((id) => [`open/${id}`, `closed/${id}`])]);
    for (const id of ids) {
      const messages = await this.docs.list({ prefix: messagePrefix(id) });
      await this.docs.delete(messages.map((m) => m.key));
      await this.notify({ event: 'forgotten', id });
    }
    return ids.length;
  }

  private openDoc(id: string) {
    return this.docs.get(`open/${id}`) as Promise<{ value: OpenHandoff; version: string } | undefined>;
  }

  /**
   * Reads an open handoff, applies `update`, and writes it only if nobody wrote in between (else
   * again). With `message`, the message is written in the same atomic step under the number
   * the update gave it, so numbers have no gaps and follow the order of writing.
   */
  private async change(id: string, update: (h: OpenHandoff) => OpenHandoff | HandoffRefusal, message?: HandoffMessage): Promise<HandoffChange<OpenHandoff>> {
    for (;;) {
      const doc = await this.openDoc(id);
      if (!doc) return refuse((await this.docs.get(`closed/${id}`)) ? 'ended' : 'missing');
      const next = update(doc.value);
      if ('ok' in next) return next;
      if (next === doc.value) return { ok: true, value: next };
      try {
        const changes: DocumentChange<HandoffDocument>[] = [{ key: `open/${id}`, value: next, ifVersion: doc.version }];
        if (message) changes.push({ key: messageKey(id, next.messageCount), value: message, ifVersion: null });
        await this.docs.apply(changes, this.now());
        return { ok: true, value: next };
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
      }
    }
  }

  /**
   * Moves a handoff from open to closed in one atomic write (chat id dropped, the person's
   * index updated), then keeps its outcome and times for the dashboard. `stillDue` re-checks an
   * automatic end against the current version.
   */
  private async close(id: string, ending: HandoffEnding, counsellor: string | undefined, stillDue: (h: OpenHandoff) => boolean = () => true): Promise<HandoffChange<EndedHandoff>> {
    for (;;) {
      const doc = await this.openDoc(id);
      if (!doc) return refuse((await this.docs.get(`closed/${id}`)) ? 'ended' : 'missing');
      const h = doc.value;
      if (counsellor !== undefined && h.state === 'claimed' && h.claimedBy !== counsellor) return refuse('not-yours');
      if (!stillDue(h)) return refuse('not-yours');
      const now = this.now();
      const closed: ClosedHandoff = {
        kind: 'closed',
        id,
        person: h.person,
        channel: h.channel,
        language: h.language,
        recentEntryIds: h.recentEntryIds,
        requestedAt: h.requestedAt,
        outsideHours: h.outsideHours,
        endedAt: now.toISOString(),
        ending,
        ...(counsellor !== undefined ? { endedBy: counsellor } : {}),
      };
      const personKey = `person/${h.person}`;
      const personDoc = await this.docs.get(personKey);
      const index = personDoc?.value as PersonHandoffs | undefined;
      const changes: DocumentChange<HandoffDocument>[] = [
        { key: `open/${id}`, value: null, ifVersion: doc.version },
        { key: `closed/${id}`, value: closed, ifVersion: null },
      ];
      if (personDoc && index) {
        const { open: _open, ...rest } = index;
        changes.push({ key: personKey, value: index.open === id ? rest : index, ifVersion: personDoc.version });
      }
      try {
        await this.docs.apply(changes, now);
      } catch (error) {
        if (error instanceof VersionConflictError) continue;
        throw error;
      }
      const seconds = (from: string | undefined, to: string | undefined) => (from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 1000) : null);
      const record: HandoffOutcomeRecord = {
        day: localTime(new Date(h.requestedAt), this.options.hours.timeZone).date,
        language: h.language,
        channel: h.channel,
        ending,
        outsideHours: h.outsideHours,
        waitSeconds: seconds(h.requestedAt, h.firstReplyAt),
        handlingSeconds: seconds(h.firstClaimedAt, closed.endedAt),
      };
      await this.outcomes.put(`${record.day}/${id}`, record, { at: now });
      await this.notify({ event: 'ended', id });
      const chatId = h.sealedChatId && this.options.cipher ? this.options.cipher.open(h.sealedChatId, id) : undefined;
      // What the person's channel had not been handed: read after the close, which the last take's write came before.
      const undelivered = (await this.messagesSince(id, h.deliveredUpTo)).map((m) => m.message).filter((m) => m.from === 'counsellor');
      const ended: EndedHandoff = { handoff: closed, undelivered, ...(chatId !== undefined ? { chatId } : {}), ...(h.conversation !== undefined ? { conversation: h.conversation } : {}) };
      for (const listener of HandoffDesk.endedListeners.get(this.store) ?? []) listener(ended);
      return { ok: true, value: ended };
    }
  }

  private async notify(notice: HandoffNotice): Promise<void> {
    await this.store.broadcast.publish(HANDOFF_TOPIC, JSON.stringify(notice));
  }
}
