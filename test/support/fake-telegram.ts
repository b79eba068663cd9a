import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';

/** One Bot API call the fake received. */
export interface ApiCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
  /** When it arrived (performance.now()). */
  readonly at: number;
  /** What the fake answered: a result, or an error's description. */
  response?: { ok: true; result: unknown } | { ok: false; description: string };
  /** Whether its connection is done: answered, or hung up on by the client. */
  closed?: boolean;
}

export const FAKE_BOT = {
  id: 7000000001,
  is_bot: true,
  first_name: 'Rahnama',
  username: 'RahnamaTestBot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as const;

/** The tags Telegram's HTML parse mode knows. */
const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'span', 'blockquote', 'tg-emoji']);

/**
 * Parses text as Telegram's HTML parse mode does, strictly: known tags only, properly nested,
 * `&` only in an entity. Returns the visible text, or the error Telegram would give.
 */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const open: string[] = [];
  let text = '';
  for (let i = 0; i < html.length; ) {
    const c = html[i] as string;
    if (c === '<') {
      const tag = /^<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/.exec(html.slice(i));
      if (!tag) return { error: `Bad Request: can't parse entities: Unsupported start tag at byte offset ${i}` };
      const [whole, closing, name] = tag as unknown as [string, string, string];
      if (!TAGS.has(name)) return { error: `Bad Request: can't parse entities: Unsupported start tag "${name}" at byte offset ${i}` };
      if (closing) {
        if (open.pop() !== name) return { error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${i}, expected "</${open.at(-1) ?? ''}>", found "</${name}>"` };
      } else open.push(name);
      i += whole.length;
    } else if (c === '&') {
      const entity = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(html.slice(i));
      if (!entity) return { error: `Bad Request: can't parse entities: Character entity expected at byte offset ${i}` };
      text += { lt: '<', gt: '>', amp: '&', quot: '"' }[entity[1]?.toLowerCase() as 'lt'] ?? '?';
      i += entity[0].length;
    } else if (c === '>') {
      return { error: `Bad Request: can't parse entities: Unexpected end tag at byte offset ${i}` };
    } else {
      text += c;
      i++;
    }
  }
  if (open.length > 0) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"` };
  return { text };
}

/**
 * A small real HTTP server speaking the part of the Telegram Bot API the bot uses, reached through
 * grammY's `apiRoot`: it records every call, answers like Telegram (HTML checked, 4,096-character
 * limit), can be told to answer a method with a 429 once, and serves getUpdates from a queue.
 */
export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  private server: Server | undefined;
  private nextMessageId = 100;
  private readonly updates: Update[] = [];
  private readonly failures = new Map<string, Failure>();
  private readonly delays = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  constructor(readonly token = '123456:TEST-token_abcdefghijklmnopqrstuvwxyz') {}

  /** The `apiRoot` to give grammY. */
  url = '';
  /** Called as each call arrives, before it is answered (the benchmark times replies with it). */
  onCall: ((call: ApiCall) => void) | undefined;

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The next call of `method` gets a 429 asking to retry after `retryAfter` seconds. */
  failNextWith429(method: string, retryAfter = 1): void {
    this.failures.set(method, { status: 429, description: `Too Many Requests: retry after ${retryAfter}`, retryAfter });
  }

  /** The next call of `method` gets this error (403 "bot was blocked by the user", say). */
  failNextWith(method: string, status: number, description: string): void {
    this.failures.set(method, { status, description });
  }

  /** The next call of `method` has its connection dropped without an answer (a network error). */
  dropNext(method: string): void {
    this.failures.set(method, 'drop');
  }

  /** Every call of `method` is answered `ms` later (0: at once again), like a slow network. */
  slowDown(method: string, ms: number): void {
    this.delays.set(method, ms);
  }

  /** Queues an update for getUpdates (polling). */
  queueUpdate(update: Update): void {
    this.updates.push(update);
    this.notify();
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves with the first answered call of `method` (from index `since` on) that `matches`. */
  async waitFor(method: string, matches: (params: Record<string, unknown>) => boolean = () => true, { since = 0, timeoutMs = 10_000 } = {}): Promise<ApiCall> {
    const find = () => this.calls.slice(since).find((call) => call.method === method && call.response !== undefined && matches(call.params));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${method} call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`);
      await this.changed(deadline - Date.now());
    }
  }

  /** Resolves once every call of `method` so far is closed: answered, or hung up on by the client (a stopped long poll). */
  async settled(method: string, { timeoutMs = 10_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsOf(method).some((call) => !call.closed)) {
      if (Date.now() > deadline) throw new Error(`a ${method} call still open after ${timeoutMs} ms`);
      await this.changed(deadline - Date.now());
    }
  }

  /** Resolves when `count` messages (to `chatId`, if given) have been accepted since call index `since`. */
  async messages(count: number, { since = 0, chatId, timeoutMs = 10_000 }: { since?: number; chatId?: number; timeoutMs?: number } = {}): Promise<ApiCall[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sent = this.calls.slice(since).filter((call) => call.method === 'sendMessage' && call.response?.ok && (chatId === undefined || call.params.chat_id === chatId));
      if (sent.length >= count) return sent;
      if (Date.now() > deadline) throw new Error(`${sent.length} of ${count} messages within ${timeoutMs} ms`);
      await this.changed(deadline - Date.now());
    }
  }

  private changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)/.exec(request.url ?? '');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!match || match[1] !== this.token) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const method = match[2] as string;
    const params = await readParams(request);
    const call: ApiCall = { method, params, at: performance.now() };
    this.calls.push(call);
    response.once('close', () => {
      call.closed = true;
      this.notify();
    });
    this.onCall?.(call);

    const failure = this.failures.get(method);
    if (failure !== undefined) {
      this.failures.delete(method);
      if (failure === 'drop') {
        call.response = { ok: false, description: 'connection dropped' };
        this.notify();
        request.socket.destroy();
        return;
      }
      const { status, description, retryAfter } = failure;
      call.response = { ok: false, description };
      this.notify();
      return reply(status, { ok: false, error_code: status, description, ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}) });
    }
    const delay = this.delays.get(method);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const result = await this.answer(method, params, request);
    call.response = 'error' in result ? { ok: false, description: result.error } : { ok: true, result: result.result };
    this.notify();
    if ('error' in result) return reply(400, { ok: false, error_code: 400, description: result.error });
    reply(200, { ok: true, result: result.result });
  }

  private async answer(method: string, params: Record<string, unknown>, request: IncomingMessage): Promise<{ result: unknown } | { error: string }> {
    switch (method) {
      case 'getMe':
        return { result: FAKE_BOT };
      case 'sendMessage': {
        const raw = String(params.text ?? '');
        const parsed = params.parse_mode === 'HTML' ? parseTelegramHtml(raw) : { text: raw };
        if ('error' in parsed) return parsed;
        if (parsed.text.trim() === '') return { error: 'Bad Request: message text is empty' };
        if ([...parsed.text].length > 4096) return { error: 'Bad Request: message is too long' };
        const chatId = Number(params.chat_id);
        return {
          result: {
            message_id: this.nextMessageId++,
            date: Math.floor(Date.now() / 1000),
            chat: chatId > 0 ? { id: chatId, type: 'private', first_name: 'User' } : { id: chatId, type: 'group', title: 'Group' },
            from: { id: FAKE_BOT.id, is_bot: true, first_name: FAKE_BOT.first_name, username: FAKE_BOT.username },
            text: parsed.text,
            ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}),
          },
        };
      }
      case 'getUpdates': {
        const offset = Number(params.offset ?? 0);
        // Long polling, kept short: a test stops the bot without waiting 30 seconds.
        const deadline = Date.now() + Math.min(Number(params.timeout ?? 0), 1) * 1000;
        while (Date.now() < deadline && !this.updates.some((u) => u.update_id >= offset) && !request.destroyed) await this.changed(deadline - Date.now());
        const limit = Number(params.limit ?? 100);
        return { result: this.updates.filter((u) => u.update_id >= offset).slice(0, limit) };
      }
      case 'editMessageReplyMarkup':
      case 'sendChatAction':
      case 'answerCallbackQuery':
      case 'setWebhook':
      case 'deleteWebhook':
      case 'setMyCommands':
        return { result: true };
      default:
        return { error: `Not Found: method ${method} is not in the fake` };
    }
  }
}

/** Bot API parameters, as grammY sends them: JSON, or a form, or the query string. */
async function readParams(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const query = Object.fromEntries(new URL(request.url ?? '/', 'http://fake').searchParams);
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/json') && body) return { ...query, ...(JSON.parse(body) as Record<string, unknown>) };
  if (type.includes('application/x-www-form-urlencoded')) return { ...query, ...Object.fromEntries(new URLSearchParams(body)) };
  return query;
}

type Failure = { status: number; description: string; retryAfter?: number } | 'drop';

let nextUpdateId = 1;

export interface FakeUser {
  readonly id: number;
  readonly language_code?: string;
}

/** A text message update from `user`, in their private chat unless `chat` says otherwise. */
export function textUpdate(user: FakeUser, text: string, chat: { id: number; type: 'private' | 'group' | 'supergroup' } = { id: user.id, type: 'private' }, extra: Record<string, unknown> = {}): Update {
  const commandLength = /^\/\S+/.exec(text)?.[0].length;
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextUpdateId * 10,
      date: Math.floor(Date.now() / 1000),
      chat: chat.type === 'private' ? { id: chat.id, type: 'private', first_name: 'User' } : { id: chat.id, type: chat.type, title: 'Group' },
      from: { id: user.id, is_bot: false, first_name: 'User', ...(user.language_code ? { language_code: user.language_code } : {}) },
      text,
      ...(commandLength ? { entities: [{ type: 'bot_command', offset: 0, length: commandLength }] } : {}),
      ...extra,
    },
  } as Update;
}

/** A press of an inline button with `data` on the bot's message `message`. */
export function callbackUpdate(user: FakeUser, data: string, message: { message_id: number; reply_markup?: unknown }): Update {
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: `cb${nextUpdateId}`,
      from: { id: user.id, is_bot: false, first_name: 'User', ...(user.language_code ? { language_code: user.language_code } : {}) },
      chat_instance: 'ci',
      data,
      message: {
        message_id: message.message_id,
        date: Math.floor(Date.now() / 1000),
        chat: { id: user.id, type: 'private', first_name: 'User' },
        from: { id: FAKE_BOT.id, is_bot: true, first_name: FAKE_BOT.first_name, username: FAKE_BOT.username },
        text: '…',
        ...(message.reply_markup ? { reply_markup: message.reply_markup } : {}),
      },
    },
  } as Update;
}
