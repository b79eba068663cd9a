/**
 * What a live handoff keeps in the store, and the notices it broadcasts. One collection
 * (`handoffs`) holds three kinds of document under key prefixes, so that a change touching
 * several (a request, an end) is one atomic `apply`:
 * - `open/<id>`: a handoff waiting or claimed (the queue);
 * - `closed/<id>`: an ended one, kept with its transcript until retention (no chat id);
 * - `person/<person>`: which handoffs are a person's, for "one open at a time" and `/forget`;
 * - `message/<id>/<n>`: the transcript, one document a message, numbered by the open handoff's
 *   `messageCount` in the same atomic write (no gaps, in writing order on any instance's clock).
 * What the dashboard keeps after the end has no text and no person: `handoff-outcomes` documents
 * and `handoff-requests` counters.
 */

/** How a counsellor ends a conversation. */
export const HANDOFF_OUTCOMES = ['answered', 'referred', 'return-requested'] as const;
export type HandoffOutcome = (typeof HANDOFF_OUTCOMES)[number];
/** How a handoff ended: by a counsellor, or by itself (idle, or past retention while open). */
export type HandoffEnding = HandoffOutcome | 'idle' | 'expired';

/** What a handoff is, open or closed: who asked, where, in which language, and when. */
interface HandoffRequest {
  readonly id: string;
  /** The person's pseudonymous id, as the bot keys their state (and `/forget` names them). */
  readonly person: string;
  /** The channel to answer on (`webchat`, `telegram`, …). */
  readonly channel: string;
  /** The person's detected language. */
  readonly language: string;
  /** The entry ids the bot answered last, newest last (no text): the last one is the topic. */
  readonly recentEntryIds: readonly string[];
  readonly requestedAt: string;
  /** Requested outside the opening hours: a message a counsellor answers later. */
  readonly outsideHours: boolean;
}

export interface OpenHandoff extends HandoffRequest {
  readonly kind: 'open';
  readonly state: 'waiting' | 'claimed';
  readonly claimedBy?: string;
  readonly firstClaimedAt?: string;
  readonly firstReplyAt?: string;
  readonly lastActivityAt: string;
  /** Messages so far: the last message's number. */
  readonly messageCount: number;
  /** A Telegram chat id sealed by `ChatIdCipher` for this handoff; gone when it closes. */
  readonly sealedChatId?: string;
  /** The channel's conversation to write to (the web chat's Direct Line conversation id); gone when it closes. */
  readonly conversation?: string;
  /** The key of the last message handed to the person's channel (`takeDelivery`): each is delivered once. */
  readonly deliveredUpTo?: string;
}

export interface ClosedHandoff extends HandoffRequest {
  readonly kind: 'closed';
  readonly endedAt: string;
  readonly ending: HandoffEnding;
  /** The counsellor who ended it; absent when it ended by itself. */
  readonly endedBy?: string;
}

export interface PersonHandoffs {
  readonly kind: 'person';
  /** The person's open handoff, if any. */
  readonly open?: string;
  /** Every handoff of theirs not yet deleted, for `/forget`. */
  readonly ids: readonly string[];
}

export type HandoffDocument = OpenHandoff | ClosedHandoff | PersonHandoffs | HandoffMessage;

export interface HandoffMessage {
  readonly kind: 'message';
  readonly handoffId: string;
  readonly from: 'person' | 'counsellor';
  readonly text: string;
  readonly at: string;
  /** The counsellor who wrote it. */
  readonly counsellor?: string;
  /** An entry whose answer the counsellor inserted. */
  readonly entryId?: string;
}

/** What the dashboard keeps of an ended handoff: no text, no person. */
export interface HandoffOutcomeRecord {
  /** The local day (in the opening hours' time zone) it was requested. */
  readonly day: string;
  readonly language: string;
  readonly channel: string;
  readonly ending: HandoffEnding;
  readonly outsideHours: boolean;
  /** Seconds from the request to the first counsellor reply; null: nobody replied. */
  readonly waitSeconds: number | null;
  /** Seconds from the first claim to the end; null: never claimed. */
  readonly handlingSeconds: number | null;
}

/** The queue as the console shows it: no person id, no chat id or conversation, no text. */
export type QueueItem = Omit<OpenHandoff, 'kind' | 'person' | 'sealedChatId' | 'conversation' | 'deliveredUpTo'>;

/** The broadcast topic of handoff notices. */
export const HANDOFF_TOPIC = 'handoff';

/**
 * "Something changed in handoff `id`": listeners re-read what they show. Never message text or
 * a person's id; `from` says whose message arrived.
 */
export interface HandoffNotice {
  readonly event: 'requested' | 'message' | 'claimed' | 'handed-over' | 'released' | 'ended' | 'forgotten';
  readonly id: string;
  readonly from?: HandoffMessage['from'];
  /** For `message`: the new message's key, to read it with `messagesSince` (the key holds no text). */
  readonly message?: string;
}

export function parseHandoffNotice(message: string): HandoffNotice | undefined {
  try {
    const value = JSON.parse(message) as Partial<HandoffNotice> | null;
    return value && typeof value.event === 'string' && typeof value.id === 'string' ? (value as HandoffNotice) : undefined;
  } catch {
    return undefined;
  }
}
