import { normalizeIP } from '@fastify/rate-limit';

/** How many WebSocket streams may be open at once; each holds a file descriptor. */
export interface StreamLimits {
  /** Per conversation: a visitor's duplicated tab, or a reload's old stream not yet closed. Default 4. */
  readonly perConversation: number;
  /**
   * Per client address (an IPv6 /64 counts as one address, as in the rate limits): many people
   * may share one (a reception centre's Wi-Fi), but one client must not take every descriptor
   * the process has (1,024 by default). Default 100.
   */
  readonly perAddress: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = Object.freeze({ perConversation: 4, perAddress: 100 });

/** What is full when a stream is refused. */
export type StreamRefusal = 'conversation' | 'address';

/** The open streams of this instance (its descriptors are its own), counted per conversation and per address. */
export class OpenStreams {
  private readonly byConversation = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {}

  /**
   * Takes a place for a new stream, or says what is full. The returned release gives the place
   * back (once, however often it is called).
   */
  open(conversationId: string, address: string): { release: () => void } | { refused: StreamRefusal } {
    const addressKey = normalizeIP(address);
    if ((this.byConversation.get(conversationId) ?? 0) >= this.limits.perConversation) return { refused: 'conversation' };
    if ((this.byAddress.get(addressKey) ?? 0) >= this.limits.perAddress) return { refused: 'address' };
    increment(this.byConversation, conversationId, 1);
    increment(this.byAddress, addressKey, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        increment(this.byConversation, conversationId, -1);
        increment(this.byAddress, addressKey, -1);
      },
    };
  }

  /** Streams open now. */
  get size(): number {
    let total = 0;
    for (const count of this.byConversation.values()) total += count;
    return total;
  }
}

/** Adds `by` to a count, forgetting counts that reach zero (the maps hold only what is open). */
function increment(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
