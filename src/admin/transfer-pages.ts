import type { KnowledgeProblem } from '../knowledge/load.js';
import { html } from './html.js';
import { page, scrollBox, type PageContext } from './pages.js';
import { SHEET_LIMITS, type BadRow, type RowChange } from './spreadsheet.js';
import { XLSX_TYPE } from './spreadsheet-xlsx.js';

type SignedInContext = PageContext & { session: { csrfToken: string } };

/** Export links (XLSX, CSV) and the import form (choose the file, or paste CSV text). */
export function transferPage(context: SignedInContext, notice?: 'expired' | 'empty'): string {
  const { t, lang, session } = context;
  return page(context, t(lang, 'transfer.heading'), html`
<p><a href="/admin">${t(lang, 'transfer.back')}</a></p>
<section class="card">
  <h2>${t(lang, 'transfer.heading')}</h2>
  ${notice ? html`<p class="error" role="alert">${t(lang, `transfer.${notice}`)}</p>` : ''}
  <h3>${t(lang, 'transfer.exportHeading')}</h3>
  <p>${t(lang, 'transfer.exportHelp')}</p>
  <ul class="downloads">
    <li><a href="/admin/transfer/export.xlsx" download>${t(lang, 'transfer.exportXlsx')}</a></li>
    <li><a href="/admin/transfer/export.csv" download>${t(lang, 'transfer.exportLink')}</a></li>
  </ul>
  <p>${t(lang, 'transfer.formulaHelp')}</p>
  <h3>${t(lang, 'transfer.importHeading')}</h3>
  <p>${t(lang, 'transfer.importHelp')}</p>
  <form method="post" action="/admin/transfer/dry-run" enctype="multipart/form-data">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <label for="file">${t(lang, 'transfer.file')}</label>
    <input id="file" name="file" type="file" accept=".xlsx,.csv,${XLSX_TYPE},text/csv">
    <label for="csv">${t(lang, 'transfer.paste')}</label>
    <textarea id="csv" name="csv" rows="10" dir="auto"></textarea>
    <p><button type="submit">${t(lang, 'transfer.dryRun')}</button></p>
  </form>
</section>`);
}

export interface DryRunReport {
  readonly digest: string;
  readonly rows: number;
  /** The first bad rows; `badRows` counts them all. */
  readonly bad: readonly BadRow[];
  readonly badRows: number;
  readonly changes: readonly RowChange[];
  readonly problems: readonly KnowledgeProblem[];
  /** Present when the import can be applied. */
  readonly token?: string;
}

/** What an import would do: its changes, its bad rows, the knowledge base check; apply if clean. */
export function dryRunPage(context: SignedInContext, report: DryRunReport): string {
  const { t, lang, session } = context;
  const field = (name: string) => t(lang, `transfer.field.${name}`);
  const changes = report.changes.map(
    (c) => html`<tr><td>${c.row}</td><td><a href="/admin/entries/${c.id}">${c.id}</a></td><td>${c.lang}</td><td>${c.fields.map(field).join(', ')}</td></tr>`,
  );
  const bad = report.bad.slice(0, SHEET_LIMITS.maxListed).map((b) => html`<tr><td>${b.row}</td><td>${b.id ?? ''}</td><td>${b.lang ?? ''}</td><td>${b.reason}</td></tr>`);
  const moreBad = report.badRows - bad.length;
  const blocked = report.badRows > 0 || report.problems.length > 0;
  const summary = blocked
    ? html`<p class="error" role="alert">${t(lang, 'transfer.blocked', { bad: report.badRows, problems: report.problems.length })}</p>`
    : report.changes.length === 0
      ? html`<p class="notice" role="status">${t(lang, 'transfer.noChanges')}</p>`
      : html`<p class="notice" role="status">${t(lang, 'transfer.ready', { count: report.changes.length })}</p>`;
  return page(context, t(lang, 'transfer.reportHeading'), html`
<p><a href="/admin/transfer">${t(lang, 'transfer.backToTransfer')}</a></p>
<section class="card">
  <h2>${t(lang, 'transfer.reportHeading')}</h2>
  <p>${t(lang, 'transfer.summary', { rows: report.rows, digest: report.digest })}</p>
  ${summary}
  ${bad.length > 0 ? html`
  <h3>${t(lang, 'transfer.badRows')}</h3>
  ${scrollBox(t(lang, 'transfer.badRows'), html`<table class="bad-rows">
    <thead><tr><th>${t(lang, 'transfer.row')}</th><th>${t(lang, 'transfer.id')}</th><th>${t(lang, 'transfer.lang')}</th><th>${t(lang, 'transfer.reason')}</th></tr></thead>
    <tbody>${bad}</tbody>
  </table>`)}
  ${moreBad > 0 ? html`<p class="more">${t(lang, 'transfer.moreBadRows', { count: moreBad })}</p>` : ''}` : ''}
  ${report.problems.length > 0 ? html`
  <h3>${t(lang, 'transfer.problems')}</h3>
  ${problemList(context, report.problems)}` : ''}
  ${changes.length > 0 ? html`
  <h3>${t(lang, 'transfer.changes')}</h3>
  ${scrollBox(t(lang, 'transfer.changes'), html`<table class="changes">
    <thead><tr><th>${t(lang, 'transfer.row')}</th><th>${t(lang, 'transfer.id')}</th><th>${t(lang, 'transfer.lang')}</th><th>${t(lang, 'transfer.fields')}</th></tr></thead>
    <tbody>${changes}</tbody>
  </table>`)}` : ''}
  ${report.token ? html`
  <form method="post" action="/admin/transfer/apply">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <input type="hidden" name="token" value="${report.token}">
    <p><button type="submit">${t(lang, 'transfer.apply', { count: report.changes.length })}</button></p>
  </form>` : ''}
</section>`);
}

export type ApplyOutcome =
  | { readonly published: true; readonly files: readonly string[] }
  | { readonly published: false; readonly conflict: readonly string[] }
  | { readonly published: false; readonly problems: readonly KnowledgeProblem[] };

export function applyPage(context: SignedInContext, outcome: ApplyOutcome): string {
  const { t, lang } = context;
  const body = outcome.published
    ? html`<p class="notice" role="status">${t(lang, 'transfer.applied', { count: outcome.files.length })}</p>
  <ul>${outcome.files.map((f) => html`<li><a href="/admin/entries/${f.replace(/\.yaml$/, '')}">${f}</a></li>`)}</ul>`
    : 'conflict' in outcome
      ? html`<p class="error" role="alert">${t(lang, 'transfer.conflict', { ids: outcome.conflict.join(', ') })}</p>`
      : html`<p class="error" role="alert">${t(lang, 'transfer.notApplied')}</p>
  ${problemList(context, outcome.problems)}`;
  return page(context, t(lang, 'transfer.resultHeading'), html`
<p><a href="/admin/transfer">${t(lang, 'transfer.backToTransfer')}</a></p>
<section class="card">
  <h2>${t(lang, 'transfer.resultHeading')}</h2>
  ${body}
</section>`);
}

/** Knowledge base problems as a list of at most SHEET_LIMITS.maxListed, then how many more. */
function problemList({ t, lang }: Pick<PageContext, 't' | 'lang'>, problems: readonly KnowledgeProblem[]) {
  const shown = problems.slice(0, SHEET_LIMITS.maxListed);
  const more = problems.length - shown.length;
  return html`<ul class="problems">${shown.map((p) => html`<li>${p.file}${p.field ? ` › ${p.field}` : ''}: ${p.message}</li>`)}</ul>
  ${more > 0 ? html`<p class="more">${t(lang, 'transfer.moreProblems', { count: more })}</p>` : ''}`;
}
