import { performance } from 'node:perf_hooks';
import type { Update } from 'grammy/types';
import { type FakeTelegram, textUpdate } from '../test/support/fake-telegram.js';

/**
 * The Telegram channel's side of `npm run bench`: users sending updates to the server's webhook,
 * as Telegram does, each waiting for the bot's first reply message to reach the fake Bot API
 * before sending the next (closed loop). Latency runs from the POST to the fake receiving
 * sendMessage: the whole path of an update (webhook, grammY, the core, the state file, the API call).
 */

/** An answer not at the fake by then counts as an error. */
const ANSWER_TIMEOUT_MS = 10_000;

export interface TelegramLoad {
  updatesPerSecond: number;
  p50ms: number;
  p99ms: number;
  answered: number;
  errors: number;
  /** Messages beyond a turn's expected count: should be 0, else the latencies are not to be trusted. */
  strays: number;
}

/** How many messages the bot sends for a question: an answer and its feedback prompt, or one reply. */
export type RepliesFor = (user: number, text: string) => Promise<number>;

export async function webhookClosedLoop(
  fake: FakeTelegram,
  webhookUrl: string,
  secret: string,
  questions: (user: number) => readonly string[],
  repliesFor: RepliesFor,
  users: number,
  seconds: number,
): Promise<TelegramLoad> {
  /** Per chat: the arrival times of the turn's messages so far, and who waits for how many. */
  const turns = new Map<number, { times: number[]; expected: number; done: (times: number[]) => void }>();
  let strays = 0;
  fake.onCall = (call) => {
    if (call.method !== 'sendMessage') return;
    const turn = turns.get(Number(call.params.chat_id));
    if (!turn || turn.times.length >= turn.expected) {
      strays++;
      return;
    }
    turn.times.push(call.at);
    if (turn.times.length === turn.expected) turn.done(turn.times);
  };
  const post = (update: Update) =>
    fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(update) });

  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const user = async (index: number) => {
    const id = 800_000_000 + index;
    const asked = questions(index);
    for (let turn = 0; performance.now() < deadline; turn++) {
      const text = asked[turn % asked.length] ?? 'hello';
      const expected = await repliesFor(index, text);
      // The next question only after the whole turn arrived: its first message then times this one.
      const replies = new Promise<number[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer')), ANSWER_TIMEOUT_MS);
        turns.set(id, { times: [], expected, done: (times) => { clearTimeout(timer); resolve(times); } });
      });
      const sent = performance.now();
      try {
        const response = await post(textUpdate({ id, language_code: 'en' }, text));
        if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
        latencies.push(((await replies)[0] ?? 0) - sent);
      } catch {
        errors++;
      } finally {
        turns.delete(id);
      }
    }
  };
  await Promise.all(Array.from({ length: users }, (_, i) => user(i)));
  const elapsed = (performance.now() - started) / 1000;
  fake.onCall = undefined;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { updatesPerSecond: latencies.length / elapsed, p50ms: at(50), p99ms: at(99), answered: latencies.length, errors, strays };
}
