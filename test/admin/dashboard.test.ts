import { MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { turnStateOn } from '../../src/bot/turn-state.js';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { RahnamaBot } from '../../src/bot/rahnama-bot.js';
import { loadLocales } from '../../src/i18n/locales.js';
import type { Lang } from '../../src/languages.js';
import { readDashboardInsights } from '../../src/admin/dashboard-page.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { InsightsStore, type QuestionKind } from '../../src/storage/insights-store.js';
import { signInWith, useConsoleServer } from '../support/console-server.js';
import { shipped } from '../support/engine.js';
import { LOCALES_DIR } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const serve = useConsoleServer();
const tempDir = useTempDir();


const signIn = async (app: FastifyInstance) => (await signInWith(app)).cookie;

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

/** Known counts on known days: 0 and 3 days ago (in every period), 10 (30 and 90), 45 (90), 100 (none). */
async function seed(insights: InsightsStore) {
  // What the bot's conversation state tells it: whether a conversation already asked that day.
  const asked = new Set<string>();
  const ask = (n: number, channel: string, lang: Lang, kind: QuestionKind, entryId: string | null, conversation: string) => {
    const at = daysAgo(n);
    const key = `${at.toISOString().slice(0, 10)} ${conversation}`;
    const firstOfDay = !asked.has(key);
    asked.add(key);
    return insights.countQuestion({ channel, lang, kind, entryId, firstOfDay }, at);
  };
  await ask(100, 'webchat', 'en', 'answer', 'avrr-cost', 'c0');
  await ask(100, 'webchat', 'en', 'answer', 'avrr-cost', 'c0');
  await ask(45, 'webchat', 'en', 'smalltalk', null, 'c5');
  await ask(10, 'telegram', 'fa', 'answer', 'avrr-timeline', 'c4');
  await ask(10, 'telegram', 'fa', 'fallback', null, 'c4');
  await insights.recordFeedback({ entryId: 'avrr-timeline', helpful: false, lang: 'fa' }, daysAgo(10));
  await ask(3, 'webchat', 'bg', 'answer', 'avrr-cost', 'c3');
  await insights.recordFeedback({ entryId: 'avrr-cost', helpful: true, lang: 'bg' }, daysAgo(3));
  await ask(0, 'webchat', 'en', 'answer', 'avrr-cost', 'c1');
  await ask(0, 'webchat', 'en', 'answer', 'avrr-cost', 'c1');
  await ask(0, 'telegram', 'ar', 'fallback', null, 'c2');
  await insights.countCheckOutcome({ flow: 'eligibility', outcome: 'counsellor', lang: 'ar' }, daysAgo(0));
}

/** The totals table's value for a row heading. */
const total = (body: string, heading: string) => new RegExp(`<th scope="row">${heading}</th><td>([^<]*)</td>`).exec(body)?.[1];
/** The first chart (questions per day) and its bars. */
const perDayChart = (body: string) => /<svg class="chart"[\s\S]*?<\/svg>/.exec(body)?.[0] ?? '';
const barsIn = (svg: string) => svg.match(/<g class="bar">/g)?.length ?? 0;

describe('the dashboard', () => {
  it('shows totals, rates, feedback, top entries and check outcomes for the last 7, 30 or 90 days, with one bar per day', async () => {
    const { app, insights, knowledge } = await serve();
    await seed(insights);
    const cookie = await signIn(app);

    const week = await app.inject({ url: '/admin/dashboard?days=7', headers: { cookie } });
    expect(week.statusCode).toBe(200);
    expect(week.headers['content-security-policy']).toContain("default-src 'none'");
    expect(total(week.body, 'Conversations')).toBe('3');
    expect(total(week.body, 'Questions')).toBe('4');
    expect(total(week.body, 'Answer rate')).toBe('75% (3)');
    expect(total(week.body, 'Fallback rate \\(not answered\\)')).toBe('25% (1)');
    expect(total(week.body, 'Feedback')).toBe('1 👍 / 0 👎 (100% helpful)');
    const weekChart = perDayChart(week.body);
    expect(weekChart).toMatch(/^<svg class="chart" role="img" aria-labelledby="[^"]+"/);
    expect(weekChart).toContain('<title id=');
    expect(barsIn(weekChart)).toBe(7);
    // Today's bar: stacked by channel, its numbers in its title.
    expect(weekChart).toContain(`${new Date().toISOString().slice(5, 10)}: 3 (webchat 2, telegram 1)`);
    // The same numbers in a table, for screen readers and anyone who wants them.
    expect(week.body).toContain(`<tr><th scope="row">${new Date().toISOString().slice(0, 10)}</th><td>2</td><td>1</td><td>3</td><td>2</td></tr>`);
    const costQuestion = knowledge.entries.get('avrr-cost')!.languages.en.question;
    expect(week.body).toContain(`<tr><td><a href="/admin/entries/avrr-cost">avrr-cost</a></td><td>${costQuestion.replace(/'/g, '&#39;')}</td><td>3</td></tr>`);
    expect(week.body).not.toContain('avrr-timeline');
    expect(week.body).toContain('<tr><td>eligibility</td><td>counsellor</td><td>1</td></tr>');
    expect(week.body).not.toMatch(/style=|<script/i);

    const month = await app.inject({ url: '/admin/dashboard', headers: { cookie } });
    expect(month.body).toContain('aria-current="page"><strong>Last 30 days</strong>');
    expect(total(month.body, 'Conversations')).toBe('4');
    expect(total(month.body, 'Questions')).toBe('6');
    expect(total(month.body, 'Answer rate')).toBe('66.7% (4)');
    expect(total(month.body, 'Fallback rate \\(not answered\\)')).toBe('33.3% (2)');
    expect(total(month.body, 'Feedback')).toBe('1 👍 / 1 👎 (50% helpful)');
    expect(barsIn(perDayChart(month.body))).toBe(30);
    expect(month.body).toContain('<a href="/admin/entries/avrr-timeline">avrr-timeline</a>');
    expect(month.body).toContain('<tr><th scope="row">fa</th><td>1</td><td>2</td><td>50%</td><td>50%</td><td>0</td><td>1</td></tr>');

    const quarter = await app.inject({ url: '/admin/dashboard?days=90', headers: { cookie } });
    expect(total(quarter.body, 'Conversations')).toBe('5');
    // 100 days ago is in no period.
    expect(total(quarter.body, 'Questions')).toBe('7');
    expect(total(quarter.body, 'Answer rate')).toBe('57.1% (4)');
    expect(total(quarter.body, 'Small talk')).toBe('1');
    expect(barsIn(perDayChart(quarter.body))).toBe(90);

    const bulgarian = await app.inject({ url: '/admin/dashboard?days=7&lang=bg', headers: { cookie } });
    expect(bulgarian.body).toContain('<html lang="bg">');
    expect(bulgarian.body).toContain('Табло');

    expect((await app.inject({ url: '/admin', headers: { cookie } })).body).toContain('<a href="/admin/dashboard">');
  });

  it('refuses periods other than 7, 30 or 90 days, and anonymous requests', async () => {
    const { app } = await serve();
    const cookie = await signIn(app);
    for (const days of ['5', '0', 'abc', '365']) {
      expect((await app.inject({ url: `/admin/dashboard?days=${days}`, headers: { cookie } })).statusCode, days).toBe(400);
    }
    const anonymous = await app.inject({ url: '/admin/dashboard?days=7' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/admin/login');
  });
});

describe('the aggregates the bot records', () => {
  it('counts conversations, questions, answers, fallbacks and entries per channel and language, and 👍/👎 per day', async () => {
    const locales = await loadLocales(LOCALES_DIR);
    const { engine, knowledge } = await shipped();
    const insights = new InsightsStore(await EmbeddedStore.open(await tempDir()));
    const storage = new MemoryStorage();
    const bot = new RahnamaBot({ engine, knowledge, locales, state: turnStateOn(storage), insights });
    const on = (channelId: string, conversation: string) =>
      new TestAdapter(async (context) => bot.run(context), { channelId, conversation: { id: conversation, isGroup: false, name: conversation, conversationType: 'personal' } } as Partial<Activity>);
    const send = async (adapter: TestAdapter, text: string) => {
      await adapter.send(text).startTest();
      adapter.activeQueue.splice(0);
    };

    const web = on('webchat', 'web-conversation');
    await send(web, 'How long does the return take?');
    await send(web, 'How much does the return cost?');
    await send(web, 'fb:up:avrr-cost');
    const telegram = on('telegram', 'telegram-chat');
    await send(telegram, knowledge.entries.get('avrr-rejected-asylum')?.languages.ar.question ?? '');
    await send(telegram, 'xyzzy plugh frobnicate');
    await send(telegram, 'fb:down:avrr-rejected-asylum');

    const { dailyCounts, entryCounts, feedbackCounts } = await readDashboardInsights(insights);
    const rows = dailyCounts.map(({ day: _day, ...row }) => row);
    const today = new Date().toISOString().slice(0, 10);
    expect(dailyCounts.every((r) => r.day === today)).toBe(true);
    expect(rows).toContainEqual({ channel: 'webchat', lang: 'en', conversations: 1, questions: 2, answered: 2, fallback: 0, smalltalk: 0, emergency: 0 });
    // The user's language stays Arabic once the first question set it, so the fallback counts there too.
    expect(rows).toContainEqual({ channel: 'telegram', lang: 'ar', conversations: 1, questions: 2, answered: 1, fallback: 1, smalltalk: 0, emergency: 0 });
    expect(rows).toHaveLength(2);
    expect(entryCounts).toContainEqual({ day: today, entryId: 'avrr-rejected-asylum', count: 1 });
    expect(entryCounts.reduce((s, e) => s + e.count, 0)).toBe(3);
    expect(feedbackCounts).toEqual([
      { day: today, lang: 'ar', up: 0, down: 1 },
      { day: today, lang: 'en', up: 1, down: 0 },
    ]);
    // Counts only: nothing of what was asked, nor of who asked it.
    expect(JSON.stringify([dailyCounts, entryCounts, feedbackCounts])).not.toMatch(/web-conversation|telegram-chat|xyzzy|How long/);
  });
});
