import type { KnowledgeEntry } from '../knowledge/schema.js';
import type { CheckOutcomeCount, DailyCount, EntryCount, FeedbackCount, InsightsStore } from '../storage/insights-store.js';
import { horizontalBarChart, legend, lineChart, PALETTE, stackedBarChart, type Series } from './charts.js';
import type { HandoffFigures } from '../handoff/handoff-figures.js';
import { html, type SafeHtml } from './html.js';
import { page, scrollBox, type PageContext } from './pages.js';

/** The periods the dashboard offers, in days up to today (UTC). */
export const DASHBOARD_PERIODS = [7, 30, 90] as const;
export type DashboardPeriod = (typeof DASHBOARD_PERIODS)[number];

/** What the dashboard reads: the insights' aggregates, never the raw records. */
/** The aggregates the dashboard sums, as read from the insights store. */
export interface DashboardInsights {
  readonly dailyCounts: readonly DailyCount[];
  readonly entryCounts: readonly EntryCount[];
  readonly feedbackCounts: readonly FeedbackCount[];
  readonly checkOutcomes: readonly CheckOutcomeCount[];
}

/** Reads every aggregate at once. */
export async function readDashboardInsights(insights: Pick<InsightsStore, 'dailyCounts' | 'entryCounts' | 'feedbackCounts' | 'checkOutcomes'>): Promise<DashboardInsights> {
  const [dailyCounts, entryCounts, feedbackCounts, checkOutcomes] = await Promise.all([insights.dailyCounts(), insights.entryCounts(), insights.feedbackCounts(), insights.checkOutcomes()]);
  return { dailyCounts, entryCounts, feedbackCounts, checkOutcomes };
}

type Counts = { -readonly [K in keyof Pick<DailyCount, 'conversations' | 'questions' | 'answered' | 'fallback' | 'smalltalk' | 'emergency'>]: number };

export interface DashboardSummary {
  /** The period's days, oldest first (YYYY-MM-DD, UTC). */
  readonly days: readonly string[];
  readonly totals: Counts & { up: number; down: number };
  /** Channels by questions, most first. */
  readonly channels: readonly string[];
  /** Questions per channel, one value per day. */
  readonly questionsPerDay: ReadonlyMap<string, number[]>;
  readonly conversationsPerDay: readonly number[];
  /** Languages with any question or feedback, by questions, most first. */
  readonly languages: readonly (Counts & { lang: string; up: number; down: number })[];
  readonly topEntries: readonly { entryId: string; count: number }[];
  readonly checkOutcomes: readonly { flow: string; outcome: string; count: number }[];
}

const zero = (): Counts => ({ conversations: 0, questions: 0, answered: 0, fallback: 0, smalltalk: 0, emergency: 0 });
const KINDS = ['conversations', 'questions', 'answered', 'fallback', 'smalltalk', 'emergency'] as const;

/** The last `period` days' aggregates, summed per day, channel, language and entry. */
export function summarize(insights: DashboardInsights, period: number, now = new Date()): DashboardSummary {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const days = Array.from({ length: period }, (_, i) => new Date(today - (period - 1 - i) * 86_400_000).toISOString().slice(0, 10));
  const index = new Map(days.map((d, i) => [d, i]));
  const totals = { ...zero(), up: 0, down: 0 };
  const questionsPerDay = new Map<string, number[]>();
  const conversationsPerDay = days.map(() => 0);
  const languages = new Map<string, Counts & { lang: string; up: number; down: number }>();
  const language = (lang: string) => languages.get(lang) ?? languages.set(lang, { lang, ...zero(), up: 0, down: 0 }).get(lang)!;
  for (const row of insights.dailyCounts) {
    const i = index.get(row.day);
    if (i === undefined) continue;
    const perLang = language(row.lang);
    for (const kind of KINDS) {
      totals[kind] += row[kind];
      perLang[kind] += row[kind];
    }
    const perDay = questionsPerDay.get(row.channel) ?? questionsPerDay.set(row.channel, days.map(() => 0)).get(row.channel)!;
    perDay[i]! += row.questions;
    conversationsPerDay[i]! += row.conversations;
  }
  for (const row of insights.feedbackCounts) {
    if (!index.has(row.day)) continue;
    totals.up += row.up;
    totals.down += row.down;
    language(row.lang).up += row.up;
    language(row.lang).down += row.down;
  }
  const entries = new Map<string, number>();
  for (const row of insights.entryCounts) if (index.has(row.day)) entries.set(row.entryId, (entries.get(row.entryId) ?? 0) + row.count);
  const outcomes = new Map<string, { flow: string; outcome: string; count: number }>();
  for (const row of insights.checkOutcomes) {
    if (!index.has(row.day)) continue;
    const key = `${row.flow}\u0000${row.outcome}`;
    const found = outcomes.get(key) ?? outcomes.set(key, { flow: row.flow, outcome: row.outcome, count: 0 }).get(key)!;
    found.count += row.count;
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    days,
    totals,
    channels: [...questionsPerDay.keys()].sort((a, b) => sum(questionsPerDay.get(b)!) - sum(questionsPerDay.get(a)!) || a.localeCompare(b)),
    questionsPerDay,
    conversationsPerDay,
    languages: [...languages.values()].sort((a, b) => b.questions - a.questions || a.lang.localeCompare(b.lang)),
    topEntries: [...entries].map(([entryId, count]) => ({ entryId, count })).sort((a, b) => b.count - a.count || a.entryId.localeCompare(b.entryId)).slice(0, 10),
    checkOutcomes: [...outcomes.values()].sort((a, b) => a.flow.localeCompare(b.flow) || b.count - a.count),
  };
}

/** A share as a percentage in the console's language, or a dash when there is nothing to divide. */
const percent = (lang: string, part: number, whole: number) =>
  whole === 0 ? '–' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(part / whole);

export function dashboardPage(
  context: PageContext,
  summary: DashboardSummary,
  period: DashboardPeriod,
  entryOf: (id: string) => KnowledgeEntry | undefined,
  /** Live conversations with counsellors over the same days; absent: handoff is off. */
  handoff?: HandoffFigures,
): string {
  const { t, lang } = context;
  const d = (key: string, options?: Record<string, unknown>) => t(lang, `dashboard.${key}`, options);
  const { totals, days } = summary;
  const from = days[0] ?? '';
  const to = days[days.length - 1] ?? '';
  const shortDay = (day: string) => day.slice(5);
  const series: Series[] = summary.channels.map((channel, i) => ({ label: channel, color: PALETTE[i % PALETTE.length]!, values: summary.questionsPerDay.get(channel) ?? [] }));
  const periods = DASHBOARD_PERIODS.map((p) =>
    p === period
      ? html`<li><a href="/admin/dashboard?days=${p}&amp;lang=${lang}" aria-current="page"><strong>${d('lastDays', { days: p })}</strong></a></li>`
      : html`<li><a href="/admin/dashboard?days=${p}&amp;lang=${lang}">${d('lastDays', { days: p })}</a></li>`,
  );
  const perDayTable = html`<details><summary>${d('numbers')}</summary>${scrollBox(d('perDay'), html`<table>
    <thead><tr><th scope="col">${d('day')}</th>${summary.channels.map((c) => html`<th scope="col">${c}</th>`)}<th scope="col">${d('questions')}</th><th scope="col">${d('conversations')}</th></tr></thead>
    <tbody>${days.map((day, i) => html`<tr><th scope="row">${day}</th>${summary.channels.map((c) => html`<td>${summary.questionsPerDay.get(c)?.[i] ?? 0}</td>`)}<td>${series.reduce((s, x) => s + (x.values[i] ?? 0), 0)}</td><td>${summary.conversationsPerDay[i] ?? 0}</td></tr>`)}</tbody>
  </table>`)}</details>`;
  const topRows = summary.topEntries.map(({ entryId, count }) => {
    const entry = entryOf(entryId);
    return html`<tr><td>${entry ? html`<a href="/admin/entries/${entryId}">${entryId}</a>` : entryId}</td><td>${entry?.languages.en.question ?? ''}</td><td>${count}</td></tr>`;
  });
  return page(context, d('heading'), html`
<p><a href="/admin">${d('back')}</a></p>
<section class="card">
  <h2>${d('heading')}</h2>
  <nav aria-label="${d('period')}"><ul>${periods}</ul></nav>
  <p>${d('range', { from, to })}</p>
  ${scrollBox(d('totals'), html`<table class="totals">
    <tbody>
      <tr><th scope="row">${d('conversations')}</th><td>${totals.conversations}</td></tr>
      <tr><th scope="row">${d('questions')}</th><td>${totals.questions}</td></tr>
      <tr><th scope="row">${d('answerRate')}</th><td>${percent(lang, totals.answered, totals.questions)} (${totals.answered})</td></tr>
      <tr><th scope="row">${d('fallbackRate')}</th><td>${percent(lang, totals.fallback, totals.questions)} (${totals.fallback})</td></tr>
      <tr><th scope="row">${d('smalltalk')}</th><td>${totals.smalltalk}</td></tr>
      <tr><th scope="row">${d('emergency')}</th><td>${totals.emergency}</td></tr>
      <tr><th scope="row">${d('feedback')}</th><td>${d('feedbackRatio', { up: totals.up, down: totals.down, share: percent(lang, totals.up, totals.up + totals.down) })}</td></tr>
    </tbody>
  </table>`)}
  <p>${d('privacy')}</p>
</section>
<section class="card">
  <h2>${d('perDay')}</h2>
  ${stackedBarChart({ title: d('perDay'), description: d('perDayDescription', { from, to }) }, days, series, shortDay)}
  ${legend(series)}
  <h3>${d('conversationsPerDay')}</h3>
  ${lineChart({ title: d('conversationsPerDay'), description: d('conversationsDescription', { from, to }) }, days, summary.conversationsPerDay, PALETTE[1], shortDay)}
  ${perDayTable}
</section>
<section class="card">
  <h2>${d('perLanguage')}</h2>
  ${summary.languages.length === 0 ? html`<p>${d('none')}</p>` : html`
  ${horizontalBarChart({ title: d('perLanguage'), description: d('perLanguageDescription') }, summary.languages.map((l) => ({ label: l.lang, value: l.questions })))}
  ${scrollBox(d('perLanguage'), html`<table>
    <thead><tr><th scope="col">${d('language')}</th><th scope="col">${d('conversations')}</th><th scope="col">${d('questions')}</th><th scope="col">${d('answerRate')}</th><th scope="col">${d('fallbackRate')}</th><th scope="col">👍</th><th scope="col">👎</th></tr></thead>
    <tbody>${summary.languages.map((l) => html`<tr><th scope="row">${l.lang}</th><td>${l.conversations}</td><td>${l.questions}</td><td>${percent(lang, l.answered, l.questions)}</td><td>${percent(lang, l.fallback, l.questions)}</td><td>${l.up}</td><td>${l.down}</td></tr>`)}</tbody>
  </table>`)}`}
</section>
<section class="card">
  <h2>${d('topEntries')}</h2>
  ${topRows.length === 0 ? html`<p>${d('none')}</p>` : scrollBox(d('topEntries'), html`<table>
    <thead><tr><th scope="col">${d('entry')}</th><th scope="col">${d('question')}</th><th scope="col">${d('times')}</th></tr></thead>
    <tbody>${topRows}</tbody>
  </table>`)}
</section>
<section class="card">
  <h2>${d('checks')}</h2>
  ${summary.checkOutcomes.length === 0 ? html`<p>${d('none')}</p>` : scrollBox(d('checks'), html`<table>
    <thead><tr><th scope="col">${d('flow')}</th><th scope="col">${d('outcome')}</th><th scope="col">${d('count')}</th></tr></thead>
    <tbody>${summary.checkOutcomes.map((o) => html`<tr><td>${o.flow}</td><td>${o.outcome}</td><td>${o.count}</td></tr>`)}</tbody>
  </table>`)}
</section>
${handoff ? handoffSection(context, handoff) : ''}`);
}

/** Waits as the dashboard says them: minutes under two hours, hours after. */
function duration(t: PageContext['t'], lang: PageContext['lang'], seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  return seconds < 7200 ? t(lang, 'dashboard.handoff.minutes', { count: Math.round(seconds / 60) }) : t(lang, 'dashboard.handoff.hours', { count: Math.round(seconds / 3600) });
}

/** Handoffs per day and language, the median wait to a counsellor's first reply, the share answered, outside-hours requests. */
function handoffSection(context: PageContext, figures: HandoffFigures): SafeHtml {
  const { t, lang } = context;
  const d = (key: string, options?: Record<string, unknown>) => t(lang, `dashboard.handoff.${key}`, options);
  const languages = [...new Set(figures.days.flatMap((day) => Object.keys(day.byLanguage)))].sort();
  const ended = Object.values(figures.endings).reduce((a, b) => a + (b ?? 0), 0);
  return html`<section class="card" id="handoff">
  <h2>${d('heading')}</h2>
  ${scrollBox(d('heading'), html`<table class="totals"><tbody>
    <tr><th scope="row">${d('requests')}</th><td>${figures.requests}</td></tr>
    <tr><th scope="row">${d('outsideHours')}</th><td>${figures.outsideHours}</td></tr>
    <tr><th scope="row">${d('medianWait')}</th><td>${duration(t, lang, figures.medianWaitSeconds)}</td></tr>
    <tr><th scope="row">${d('medianWaitOutside')}</th><td>${duration(t, lang, figures.medianWaitSecondsOutsideHours)}</td></tr>
    <tr><th scope="row">${d('answeredShare')}</th><td>${figures.answeredShare === undefined ? '–' : percent(lang, figures.answeredShare, 1)} (${figures.endings.answered ?? 0} / ${ended})</td></tr>
    ${(['referred', 'return-requested', 'idle', 'expired'] as const).map((e) => html`<tr><th scope="row">${t(lang, `handoff.outcome.${e}`)}</th><td>${figures.endings[e] ?? 0}</td></tr>`)}
    <tr><th scope="row">${d('helpful')}</th><td>${d('helpfulCounts', { helpful: figures.helpful, notHelpful: figures.notHelpful })}</td></tr>
  </tbody></table>`)}
  ${figures.days.length === 0 ? html`<p>${t(lang, 'dashboard.none')}</p>` : scrollBox(d('perDay'), html`<table class="handoff-days">
    <caption>${d('perDay')}</caption>
    <thead><tr><th scope="col">${t(lang, 'dashboard.day')}</th>${languages.map((code) => html`<th scope="col">${code}</th>`)}<th scope="col">${d('requests')}</th><th scope="col">${d('outsideHours')}</th></tr></thead>
    <tbody>${figures.days.map((day) => html`<tr><th scope="row">${day.day}</th>${languages.map((code) => html`<td>${day.byLanguage[code] ?? 0}</td>`)}<td>${day.requests}</td><td>${day.outsideHours}</td></tr>`)}</tbody>
  </table>`)}
  <p>${d('privacy')}</p>
</section>`;
}
