import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/**
 * The web chat's client side for `npm run bench`: conversations over the Direct Line subset,
 * each with its WebSocket stream, as the self-hosted web chat opens them.
 */

interface BotActivity {
  type?: string;
  replyToId?: string;
  from?: { role?: string };
}

/** A turn whose answer has not arrived on the socket by then counts as an error. */
const ANSWER_TIMEOUT_MS = 10_000;

async function post(url: string, token?: string, body?: object): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: 'POST', headers, body: body && JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${new URL(url).pathname.replace(/conversations\/[^/]+/, 'conversations/:id')}: HTTP ${response.status}`);
  return response.json();
}

/**
 * Opens a WebSocket on a conversation's stream and resolves once its welcome arrived on it.
 * Starting a conversation returns after the bot's welcome turn, so the welcome (however many
 * activities) comes as the backlog: the first ActivitySet on the socket.
 */
export function openStream(streamUrl: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(streamUrl);
    const onMessage = (data: WebSocket.RawData) => {
      const set = JSON.parse(String(data)) as { activities: BotActivity[] };
      if (set.activities.some((a) => a.from?.role === 'bot' && a.type === 'message' && !a.replyToId)) {
        socket.off('message', onMessage);
        resolve(socket);
      }
    };
    socket.on('message', onMessage);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('stream closed before the welcome')));
  });
}

/** One open web chat conversation: its token, its stream, and when each reply arrived on it. */
export class BenchConversation {
  /** Arrival time of the first bot message replying to each posted activity id ("typing" is not one). */
  private readonly answeredAt = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number) => void>();
  closed = false;

  private constructor(
    private readonly url: string,
    readonly conversationId: string,
    private readonly token: string,
    private readonly userId: string,
    readonly socket: WebSocket,
  ) {
    socket.on('message', (data) => {
      const at = performance.now();
      const set = JSON.parse(String(data)) as { activities: BotActivity[] };
      for (const activity of set.activities) {
        const replyTo = activity.replyToId;
        if (activity.from?.role !== 'bot' || activity.type !== 'message' || !replyTo || this.answeredAt.has(replyTo)) continue;
        this.answeredAt.set(replyTo, at);
        this.waiting.get(replyTo)?.(at);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  /** Token, start (the bot stores its welcome), stream, and the welcome received on the stream. */
  static async open(url: string): Promise<BenchConversation> {
    const generated = (await post(`${url}/v3/directline/tokens/generate`)) as { token: string };
    const started = (await post(`${url}/v3/directline/conversations`, generated.token)) as { conversationId: string; token: string; streamUrl: string; user: { id: string } };
    const socket = await openStream(started.streamUrl);
    // Messages must come from the user the token was issued to.
    return new BenchConversation(url, started.conversationId, started.token, started.user.id, socket);
  }

  /**
   * Posts a question; resolves when both the answer has arrived on the socket and the POST has
   * returned (one turn in flight per conversation, as a person waiting for the reply).
   * `answerMs`: POST sent to the answer received on the socket. `postMs`: the POST's round
   * trip: the whole turn, whose one write (state, activities) comes before the answer goes out.
   */
  async ask(text: string): Promise<{ answerMs: number; postMs: number }> {
    const sent = performance.now();
    const { id } = (await post(`${this.url}/v3/directline/conversations/${this.conversationId}/activities`, this.token, { type: 'message', text, from: { id: this.userId } })) as { id: string };
    const postMs = performance.now() - sent;
    const at = this.answeredAt.get(id) ?? await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(this.closed ? 'stream closed' : 'no answer on the stream within 10 s'));
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(id, (time) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(time);
      });
    });
    return { answerMs: at - sent, postMs };
  }

  close(): void {
    this.socket.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Opens `count` conversations at once; the total time and each one's. */
export async function openConversations(url: string, count: number) {
  const started = performance.now();
  const times: number[] = [];
  const opened = await Promise.all(Array.from({ length: count }, async () => {
    const s = performance.now();
    const conversation = await BenchConversation.open(url);
    times.push(performance.now() - s);
    return conversation;
  }));
  const totalMs = performance.now() - started;
  times.sort((a, b) => a - b);
  return { conversations: opened, totalMs, p50ms: percentile(times, 50), p99ms: percentile(times, 99) };
}

/**
 * Every conversation in a closed loop for `seconds`: a question from its own list (one
 * language per conversation, as a person keeps theirs), wait for the answer, next question.
 */
/**
 * Each conversation asks, waits for the answer, and asks again: with `thinkMs` 0 at once (the
 * server's capacity; latency is then conversations ÷ throughput, by Little's law), otherwise after
 * reading and typing for `thinkMs` on average (uniformly 0.5–1.5 times it), as people do.
 */
export async function closedLoop(conversations: readonly BenchConversation[], questions: (i: number) => readonly string[], seconds: number, thinkMs = 0) {
  const answerTimes: number[] = [];
  const postTimes: number[] = [];
  const errors = new Map<string, number>();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(conversations.map(async (conversation, i) => {
    const list = questions(i);
    // At people's pace, conversations do not all ask at the same instant: each starts within one pause.
    if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, thinkMs * Math.random()));
    for (let k = i; performance.now() < end && !conversation.closed; k++) {
      try {
        const { answerMs, postMs } = await conversation.ask(list[k % list.length] ?? 'hello');
        answerTimes.push(answerMs);
        postTimes.push(postMs);
      } catch (error) {
        const message = (error as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
      if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, thinkMs * (0.5 + Math.random())));
    }
  }));
  // Turns started before the end finish after it: rate over the time until the last one did.
  const elapsedMs = performance.now() - start;
  answerTimes.sort((a, b) => a - b);
  postTimes.sort((a, b) => a - b);
  return {
    answered: answerTimes.length,
    elapsedMs,
    messagesPerSecond: (answerTimes.length / elapsedMs) * 1000,
    p50ms: percentile(answerTimes, 50),
    p99ms: percentile(answerTimes, 99),
    postP50ms: percentile(postTimes, 50),
    postP99ms: percentile(postTimes, 99),
    errors: [...errors.values()].reduce((a, b) => a + b, 0),
    errorKinds: Object.fromEntries(errors),
  };
}

/** Heap figures the memory child reports, after forced garbage collection. */
export interface MemorySnapshot {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

type ChildMessage =
  | { type: 'conversations'; warmup: boolean; items: { conversationId: string; token: string }[] }
  | { type: 'ready'; url: string; conversations: number; before: MemorySnapshot; after: MemorySnapshot }
  | { type: 'snapshot'; memory: MemorySnapshot };

const perItem = (before: MemorySnapshot, after: MemorySnapshot, n: number) => ({
  heapBytes: (after.heapUsed - before.heapUsed) / n,
  externalBytes: (after.external - before.external) / n,
  rssBytes: (after.rss - before.rss) / n,
});

/**
 * Memory per conversation and per open WebSocket, measured inside a server process of its own
 * (`bench/webchat-memory.ts`, run with --expose-gc) so the bench's own heap does not blur it.
 * That process starts the conversations; this one opens the sockets, so client-side objects
 * stay out of the server's heap.
 */
export async function measureMemory(root: string, env: Record<string, string>, sockets: number) {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/webchat-memory.ts'], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: ChildMessage[] = [];
  let wake: (() => void) | undefined;
  let exited = false;
  child.on('message', (m) => { queue.push(m as ChildMessage); wake?.(); });
  child.once('exit', () => { exited = true; wake?.(); });
  const receive = async (): Promise<ChildMessage> => {
    for (;;) {
      const m = queue.shift();
      if (m) return m;
      if (exited) throw new Error('memory bench process exited early');
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const snapshot = async () => {
    child.send({ type: 'snapshot' });
    const m = await receive();
    if (m.type !== 'snapshot') throw new Error(`memory bench: unexpected ${m.type}`);
    return m.memory;
  };

  const open: WebSocket[] = [];
  try {
    const warmup: { conversationId: string; token: string }[] = [];
    const measured: { conversationId: string; token: string }[] = [];
    let ready: Extract<ChildMessage, { type: 'ready' }> | undefined;
    while (!ready) {
      const m = await receive();
      if (m.type === 'ready') ready = m;
      else if (m.type === 'conversations') (m.warmup ? warmup : measured).push(...m.items);
      else throw new Error(`memory bench: unexpected ${m.type}`);
    }
    const base = ready.url.replace(/^http/, 'ws');
    const streamOf = (c: { conversationId: string; token: string }) => `${base}/v3/directline/conversations/${c.conversationId}/stream?t=${c.token}`;
    const openBatch = async (items: { conversationId: string; token: string }[]) => {
      for (let b = 0; b < items.length; b += 100) open.push(...await Promise.all(items.slice(b, b + 100).map((c) => openStream(streamOf(c)))));
    };
    // A first batch warms the WebSocket path; then the measured sockets, each with its welcome received.
    await openBatch(warmup.slice(0, 100));
    const before = await snapshot();
    const socketItems = measured.slice(0, sockets);
    await openBatch(socketItems);
    const after = await snapshot();
    return {
      conversations: ready.conversations,
      perConversation: perItem(ready.before, ready.after, ready.conversations),
      sockets: socketItems.length,
      perSocket: perItem(before, after, socketItems.length),
    };
  } finally {
    for (const socket of open) socket.terminate();
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
  }
}
