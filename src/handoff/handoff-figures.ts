import type { Store } from '../storage/store.js';
import type { HandoffEnding, HandoffOutcomeRecord } from './handoff-records.js';
import { localTime } from './opening-hours.js';

/**
 * The dashboard's handoff figures, from what `HandoffDesk` keeps after each end and counts at
 * each request: no text, no person. Days are local days in `HANDOFF_TIMEZONE`.
 */
export interface HandoffDay {
  readonly day: string;
  readonly requests: number;
  readonly outsideHours: number;
  readonly byLanguage: Readonly<Record<string, number>>;
  readonly byChannel: Readonly<Record<string, number>>;
}

export interface HandoffFigures {
  /** Requests per day (oldest first), with their languages and channels. */
  readonly days: readonly HandoffDay[];
  readonly requests: number;
  /** Requests made outside the opening hours (messages answered later). */
  readonly outsideHours: number;
  /** Ended handoffs, by how they ended. */
  readonly endings: Readonly<Partial<Record<HandoffEnding, number>>>;
  /** Of the ended ones, the share a counsellor ended as answered (0–1); undefined: none ended. */
  readonly answeredShare: number | undefined;
  /**
   * Median seconds from the request to the first counsellor reply, over ended handoffs
   * requested within the opening hours that got one; outside-hours waits are the office's
   * closed hours, not the queue, and are reported apart.
   */
  readonly medianWaitSeconds: number | undefined;
  readonly medianWaitSecondsOutsideHours: number | undefined;
  /** Taps on "was this helpful?" after a handoff ended (`HandoffDesk.countFeedback`). */
  readonly helpful: number;
  readonly notHelpful: number;
}

/**
 * The last `days` local days in `timeZone`, today included, as `handoffFigures` takes them.
 * (Handoffs are counted by the opening hours' local day: late in the evening in Sofia, that is
 * already tomorrow in UTC's terms, which the rest of the dashboard uses.)
 */
export function lastLocalDays(days: number, timeZone: string, now = new Date()): { from: string; to: string } {
  const to = localTime(now, timeZone).date;
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

/** Days `from` to `to` (`YYYY-MM-DD`, both included); absent: all kept. */
export async function handoffFigures(store: Store, range: { readonly from?: string; readonly to?: string } = {}): Promise<HandoffFigures> {
  const inRange = (day: string) => (!range.from || day >= range.from) && (!range.to || day <= range.to);
  const days: HandoffDay[] = [];
  let helpful = 0;
  let notHelpful = 0;
  for (const { key, counts } of await store.counters('handoff-requests').list()) {
    if (!inRange(key)) continue;
    helpful += counts.helpful ?? 0;
    notHelpful += counts['not-helpful'] ?? 0;
    const pick = (prefix: string) => Object.fromEntries(Object.entries(counts).flatMap(([name, n]) => (name.startsWith(prefix) ? [[name.slice(prefix.length), n]] : [])));
    days.push({ day: key, requests: counts.requests ?? 0, outsideHours: counts['outside-hours'] ?? 0, byLanguage: pick('language:'), byChannel: pick('channel:') });
  }
  const outcomes = (await store.documents<HandoffOutcomeRecord>('handoff-outcomes').list()).map((d) => d.value).filter((o) => inRange(o.day));
  const endings: Partial<Record<HandoffEnding, number>> = {};
  for (const o of outcomes) endings[o.ending] = (endings[o.ending] ?? 0) + 1;
  const waits = (outsideHours: boolean) => outcomes.flatMap((o) => (o.outsideHours === outsideHours && o.waitSeconds !== null ? [o.waitSeconds] : []));
  return {
    days,
    requests: days.reduce((sum, d) => sum + d.requests, 0),
    outsideHours: days.reduce((sum, d) => sum + d.outsideHours, 0),
    endings,
    answeredShare: outcomes.length === 0 ? undefined : (endings.answered ?? 0) / outcomes.length,
    medianWaitSeconds: median(waits(false)),
    medianWaitSecondsOutsideHours: median(waits(true)),
    helpful,
    notHelpful,
  };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
