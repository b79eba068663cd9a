import type { CounsellorPresence } from '../handoff/counsellor-presence.js';
import type { HandoffDesk } from '../handoff/handoff-desk.js';
import type { HandoffFigures } from '../handoff/handoff-figures.js';
import type { Lang } from '../languages.js';
import type { Broadcast } from '../storage/store.js';

/**
 * What the console's live-conversation pages need: the desk (queue, claims, messages, audited
 * transcript reads), who is online, the store's broadcast for the live pages, the dashboard's
 * figures, and an entry's answer as the bot gives it (contacts filled in) for "insert answer".
 */
export interface ConsoleHandoff {
  readonly desk: HandoffDesk;
  /** The queue page's open stream marks its counsellor online, with their languages. */
  readonly presence: CounsellorPresence;
  /** The store's broadcast: the live pages hear `handoff` notices (ids only) and re-read the store. */
  readonly broadcast: Broadcast;
  /** Handoffs per day and language, waits, outcomes, over the last `days` local days (HANDOFF_TIMEZONE), today included. */
  readonly figures: (days: number) => Promise<HandoffFigures>;
  /** The entry's answer in `lang` as the bot would send it; undefined: no such entry. */
  readonly answerOf: (entryId: string, lang: Lang) => string | undefined;
}
