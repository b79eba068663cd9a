import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { LANGUAGES } from '../languages.js';
import type { AuditRecord } from './audit-log.js';
import { html, type SafeHtml } from './html.js';
import { page, scrollBox, type PageContext } from './pages.js';
import { alignSequences } from './sequence-diff.js';

/** An entry's texts over time: its changes through the console (newest first) and the file now. */
export interface EntryHistory {
  readonly id: string;
  readonly records: readonly AuditRecord[];
  /** The file's text now, and its version (what a restore is based on). */
  readonly current: string;
  readonly version: string;
}

/**
 * The text the entry had before its first change through the console: as shipped (or as
 * `kb:import` last brought it, which the log also records). None when the console created it.
 */
export function shippedText(records: readonly AuditRecord[]): string | undefined {
  return records.at(-1)?.before || undefined;
}

/** The fields a change touched, such as `tags` or `fa answer` (language, then field). */
export function changedFields(before: string, after: string): { lang?: string; field: string }[] {
  const read = (text: string) => {
    try {
      return (parse(text) ?? {}) as Record<string, unknown> & { languages?: Record<string, Record<string, unknown>> };
    } catch {
      return {};
    }
  };
  const a = read(before);
  const b = read(after);
  const differ = (x: Record<string, unknown> | undefined, y: Record<string, unknown> | undefined) =>
    [...new Set([...Object.keys(x ?? {}), ...Object.keys(y ?? {})])].filter((key) => !isDeepStrictEqual(x?.[key], y?.[key]));
  const fields: { lang?: string; field: string }[] = differ(a, b).filter((key) => key !== 'languages').map((field) => ({ field }));
  for (const lang of LANGUAGES) for (const field of differ(a.languages?.[lang], b.languages?.[lang])) fields.push({ lang, field });
  return fields;
}

const FIELD_KEYS = new Set(['id', 'topic', 'tags', 'source', 'reviewed', 'referral', 'related', 'links', 'status', 'question', 'variants', 'romanised', 'answer']);
const when = (at: string) => at.replace('T', ' ').slice(0, 16);

/** What a change touched, in the staff member's language: "tags · fa: answer, ways of asking". */
function fieldSummary(context: PageContext, record: AuditRecord): string {
  const { t, lang } = context;
  if (record.action === 'create' || record.action === 'delete') return '';
  const label = (field: string) => (FIELD_KEYS.has(field) ? t(lang, `history.field.${field}`) : field);
  const fields = changedFields(record.before, record.after);
  const common = fields.filter((f) => !f.lang).map((f) => label(f.field));
  const byLang = LANGUAGES.map((code) => [code, fields.filter((f) => f.lang === code).map((f) => label(f.field))] as const).filter(([, list]) => list.length > 0);
  return [...common, ...byLang.map(([code, list]) => `${code}: ${list.join(', ')}`)].join(' · ') || t(lang, 'history.formatting');
}

/**
 * An entry's history: each change with when, who, what it did and the fields it touched, a
 * side-by-side view of each change, and the way back to any version, the shipped one included.
 */
export function historyPage(context: PageContext & { session: { csrfToken: string } }, history: EntryHistory, notice?: string): string {
  const { t, lang, session } = context;
  const { id, records, version } = history;
  const restoreForm = (record: string, label: string) => html`<form method="post" action="/admin/entries/${id}/restore">
<input type="hidden" name="_csrf" value="${session.csrfToken}"><input type="hidden" name="version" value="${version}"><input type="hidden" name="record" value="${record}">
<button type="submit" class="secondary">${label}</button></form>`;
  const rows = records.map((r, i) => html`<tr>
  <td>${when(r.at)}</td><td>${r.who}</td><td>${t(lang, `history.${r.action}`)}${i === 0 ? html` ${t(lang, 'history.current')}` : ''}</td>
  <td>${fieldSummary(context, r)}</td>
  <td><a href="/admin/entries/${id}/history/${i}">${t(lang, 'history.showChange')}<span class="visually-hidden"> (${when(r.at)})</span></a></td>
  <td>${i === 0 || r.action === 'delete' ? '' : restoreForm(String(i), t(lang, 'history.restoreButton'))}</td>
</tr>`);
  const shipped = shippedText(records);
  return page(context, t(lang, 'history.heading', { id }), html`
<p><a href="/admin/entries/${id}">${t(lang, 'entry.back')}</a></p>
<section class="card">
  <h2>${t(lang, 'history.heading', { id })}</h2>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${records.length === 0 ? html`<p>${t(lang, 'history.none')}</p>` : scrollBox(t(lang, 'history.heading', { id }), html`<table>
    <thead><tr><th>${t(lang, 'history.when')}</th><th>${t(lang, 'history.who')}</th><th>${t(lang, 'history.action')}</th><th>${t(lang, 'history.what')}</th><th><span class="visually-hidden">${t(lang, 'history.showChange')}</span></th><th><span class="visually-hidden">${t(lang, 'history.restoreButton')}</span></th></tr></thead>
    <tbody>${rows}</tbody></table>`)}
  ${shipped === undefined ? '' : html`<h3>${t(lang, 'history.shippedHeading')}</h3>
  ${shipped === history.current ? html`<p>${t(lang, 'history.isShipped')}</p>` : html`<p>${t(lang, 'history.shippedHint')}</p>
  <p><a href="/admin/entries/${id}/history/shipped">${t(lang, 'history.compareShipped')}</a></p>
  ${restoreForm('shipped', t(lang, 'history.restoreShipped'))}`}`}
</section>`);
}

/** One side of a comparison: its heading and text. */
export interface DiffSide {
  readonly label: string;
  readonly text: string;
}

/** Unchanged lines kept around each change; longer unchanged stretches fold into one row. */
const CONTEXT_LINES = 3;

/**
 * Two texts of an entry's file side by side, line by line: changed lines paired (the changed
 * part of each marked), added and removed lines alone, long unchanged stretches folded.
 */
export function diffPage(context: PageContext & { session: { csrfToken: string } }, id: string, title: string, left: DiffSide, right: DiffSide, restore?: { record: string; version: string; label: string }): string {
  const { t, lang, session } = context;
  return page(context, title, html`
<p><a href="/admin/entries/${id}/history">${t(lang, 'history.back')}</a></p>
<section class="card">
  <h2>${title}</h2>
  ${left.text === right.text ? html`<p>${t(lang, 'history.same')}</p>` : sideBySide(context, left, right)}
  ${restore ? html`<form method="post" action="/admin/entries/${id}/restore">
  <input type="hidden" name="_csrf" value="${session.csrfToken}"><input type="hidden" name="version" value="${restore.version}"><input type="hidden" name="record" value="${restore.record}">
  <p><button type="submit">${restore.label}</button></p></form>` : ''}
</section>`, { wide: true });
}

function sideBySide({ t, lang }: PageContext, left: DiffSide, right: DiffSide): SafeHtml {
  const a = left.text ? left.text.replace(/\n$/, '').split('\n') : [];
  const b = right.text ? right.text.replace(/\n$/, '').split('\n') : [];
  const rows = alignSequences(a, b);
  const near = rows.map(() => false);
  rows.forEach((row, i) => {
    if (row.same) return;
    for (let k = Math.max(0, i - CONTEXT_LINES); k <= Math.min(rows.length - 1, i + CONTEXT_LINES); k++) near[k] = true;
  });
  const out: SafeHtml[] = [];
  let folded = 0;
  const fold = () => {
    if (folded > 0) out.push(html`<tr class="fold"><td colspan="4">${t(lang, 'history.unchanged', { count: folded })}</td></tr>`);
    folded = 0;
  };
  rows.forEach((row, i) => {
    if (!near[i]) {
      folded++;
      return;
    }
    fold();
    const before = row.a === undefined ? undefined : a[row.a]!;
    const after = row.b === undefined ? undefined : b[row.b]!;
    const [removed, added] = before !== undefined && after !== undefined && !row.same ? marked(before, after) : [before, after];
    const kind = row.same ? 'same' : before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
    out.push(html`<tr class="${kind}">
<td class="line">${row.a === undefined ? '' : row.a + 1}</td><td class="text old" dir="auto">${kind === 'same' || removed === undefined ? removed : html`<del>${removed}</del>`}</td>
<td class="line">${row.b === undefined ? '' : row.b + 1}</td><td class="text new" dir="auto">${kind === 'same' || added === undefined ? added : html`<ins>${added}</ins>`}</td>
</tr>`);
  });
  fold();
  return scrollBox(t(lang, 'history.diffCaption'), html`<table class="diff">
<caption>${t(lang, 'history.diffCaption')}</caption>
<thead><tr><th scope="col"><span class="visually-hidden">${t(lang, 'history.line')}</span></th><th scope="col">${left.label}</th><th scope="col"><span class="visually-hidden">${t(lang, 'history.line')}</span></th><th scope="col">${right.label}</th></tr></thead>
<tbody>${out}</tbody></table>`);
}

/**
 * A changed line's two texts with the part that differs marked (`<mark>`), found as what is
 * left between their common beginning and end; whole characters, never half a surrogate pair.
 */
function marked(before: string, after: string): [SafeHtml, SafeHtml] {
  const x = Array.from(before);
  const y = Array.from(after);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let end = 0;
  while (end < x.length - start && end < y.length - start && x[x.length - 1 - end] === y[y.length - 1 - end]) end++;
  const part = (chars: string[]) => {
    const middle = chars.slice(start, chars.length - end).join('');
    return html`${chars.slice(0, start).join('')}${middle ? html`<mark>${middle}</mark>` : ''}${chars.slice(chars.length - end).join('')}`;
  };
  return [part(x), part(y)];
}
