import { ShowTypingMiddleware, type Middleware } from 'botbuilder';

/** When a channel shows "typing…" during a turn. */
export interface TypingTimes {
  /** How long a turn runs before "typing…" shows: a quick answer needs none. */
  readonly delayMs: number;
  /** How often it is sent again while the turn runs: platforms show it for a few seconds only (Telegram: five). */
  readonly renewMs: number;
}

/**
 * "typing…" while a slow turn (a model still loading, a busy machine) runs, instead of silence:
 * botbuilder's ShowTypingMiddleware, for every channel's adapter.
 */
export function typingIndicator({ delayMs, renewMs }: TypingTimes): Middleware {
  return new ShowTypingMiddleware(delayMs, renewMs);
}
