/** The parts of a Bot Framework activity the widget reads and writes. */
export interface CardAction {
  type: string;
  title: string;
  value?: unknown;
}

export interface Activity {
  type: string;
  id?: string;
  text?: string;
  locale?: string;
  value?: unknown;
  from: { id: string; role?: string };
  suggestedActions?: { actions?: CardAction[] };
  channelData?: { clientActivityID?: string; postBack?: boolean };
}

export type LinkState = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'failed';

interface Session {
  conversationId: string;
  token: string;
  userId: string;
}

export interface LinkEvents {
  activity(activity: Activity): void;
  state(state: LinkState): void;
}

const MAX_ATTEMPTS = 6;

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * A Direct Line 3.0 client for the self-hosted web chat: starts or resumes the tab's
 * conversation (kept in sessionStorage, so a reload resumes it and closing the tab forgets it),
 * listens on the WebSocket stream, reconnects with backoff after a network loss, refreshes the
 * token before it expires, and keeps messages written while offline until they can be sent.
 */
export class DirectLineClient {
  private session: Session | undefined;
  private socket: WebSocket | undefined;
  private watermark: string | undefined;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private outbox: Activity[] = [];
  private sending = false;
  private started = false;
  private linkState: LinkState = 'connecting';

  constructor(
    private readonly api: string,
    private readonly storageKey: string,
    private readonly locale: () => string,
    private readonly events: LinkEvents,
  ) {
    addEventListener('online', () => {
      if (!this.started) return;
      if (this.socket?.readyState === WebSocket.OPEN) this.setState('online');
      else this.reconnectNow();
    });
    addEventListener('offline', () => this.started && this.setState('offline'));
  }

  /** A conversation is kept in this tab (a reload should resume it). */
  get hasSession(): boolean {
    return this.loadSession() !== undefined;
  }

  get state(): LinkState {
    return this.linkState;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.open();
  }

  /** After "failed": try again from the start. */
  reconnectNow(): void {
    this.attempts = 0;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    void this.open();
  }

  /** Queues an activity from the user and sends it as soon as the conversation is connected. */
  send(activity: Omit<Activity, 'from'>): void {
    this.outbox.push({ ...activity, from: { id: this.session?.userId ?? '' }, locale: activity.locale ?? this.locale() });
    void this.flush();
  }

  /** Forgets this tab's conversation and starts a new one. */
  restart(): void {
    this.forget();
    this.outbox = [];
    this.watermark = undefined;
    this.reconnectNow();
  }

  private async open(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.setState(this.attempts === 0 && !this.session ? 'connecting' : navigator.onLine === false ? 'offline' : 'reconnecting');
    try {
      let session = this.session ?? this.loadSession();
      if (session) {
        // A kept conversation continues with a fresh token, or is forgotten if the server no longer knows it.
        const refreshed = await this.request<{ token: string }>('tokens/refresh', session.token).catch((error: unknown) => {
          if (error instanceof HttpError && error.status < 500 && error.status !== 429) return undefined;
          throw error;
        });
        session = refreshed ? { ...session, token: refreshed.token } : undefined;
        if (!session) this.watermark = undefined;
      }
      if (!session) {
        // The server names the user along with the token, and accepts messages only from that id.
        const generated = await this.request<{ conversationId: string; token: string; user: { id: string } }>('tokens/generate');
        session = { conversationId: generated.conversationId, token: generated.token, userId: generated.user.id };
      }
      const started = await this.request<{ token: string; streamUrl: string; expires_in: number }>('conversations', session.token);
      this.session = { ...session, token: started.token };
      this.saveSession();
      this.scheduleRefresh(started.expires_in);
      this.listen(started.streamUrl);
    } catch {
      this.retryLater();
    }
  }

  private listen(streamUrl: string): void {
    const url = new URL(streamUrl);
    if (this.watermark) url.searchParams.set('watermark', this.watermark);
    const socket = new WebSocket(url.href);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.setState('online');
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      // Empty messages are keep-alives.
      if (!event.data) return;
      const set = JSON.parse(event.data) as { activities?: Activity[]; watermark?: string };
      if (set.watermark) this.watermark = set.watermark;
      for (const activity of set.activities ?? []) this.events.activity(activity);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.retryLater();
    };
  }

  private retryLater(): void {
    this.attempts++;
    if (this.attempts > MAX_ATTEMPTS) {
      this.setState('failed');
      return;
    }
    this.setState(navigator.onLine === false ? 'offline' : 'reconnecting');
    // Exponential backoff with jitter, so a server coming back is not hit by every tab at once.
    const delay = Math.min(30_000, 500 * 2 ** this.attempts) * (0.5 + Math.random());
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private scheduleRefresh(expiresInSeconds: number): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      const session = this.session;
      if (!session) return;
      this.request<{ token: string }>('tokens/refresh', session.token).then(
        ({ token }) => {
          this.session = { ...session, token };
          this.saveSession();
          this.scheduleRefresh(expiresInSeconds);
        },
        () => this.scheduleRefresh(60),
      );
    }, (expiresInSeconds * 1000) / 2);
  }

  private async flush(): Promise<void> {
    if (this.sending || this.linkState !== 'online' || !this.session) return;
    this.sending = true;
    try {
      while (this.outbox.length > 0 && this.session) {
        const activity = { ...this.outbox[0], from: { id: this.session.userId } } as Activity;
        try {
          await this.request(`conversations/${this.session.conversationId}/activities`, this.session.token, activity);
        } catch (error) {
          // Refused (too long, too many): dropping it is the only way forward. Network: keep it.
          if (!(error instanceof HttpError) || error.status >= 500) {
            setTimeout(() => void this.flush(), 3000);
            break;
          }
        }
        this.outbox.shift();
      }
    } finally {
      this.sending = false;
    }
  }

  private async request<T>(path: string, token?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'Accept-Language': this.locale() };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.api}${path}`, { method: 'POST', headers, body: body ? JSON.stringify(body) : undefined });
    if (!response.ok) throw new HttpError(response.status);
    return (await response.json()) as T;
  }

  private setState(state: LinkState): void {
    if (state === this.linkState) return;
    this.linkState = state;
    this.events.state(state);
    if (state === 'online') void this.flush();
  }

  private loadSession(): Session | undefined {
    try {
      const saved = JSON.parse(sessionStorage.getItem(this.storageKey) ?? 'null') as Session | null;
      return saved?.conversationId && saved.token && saved.userId ? saved : undefined;
    } catch {
      return undefined;
    }
  }

  private saveSession(): void {
    try {
      sessionStorage.setItem(this.storageKey, JSON.stringify(this.session));
    } catch {
      // Storage refused (private mode): the chat works, a reload starts afresh.
    }
  }

  private forget(): void {
    this.session = undefined;
    try {
      sessionStorage.removeItem(this.storageKey);
    } catch {
      // Nothing was kept.
    }
  }
}
