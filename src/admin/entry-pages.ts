import type { KnowledgeProblem } from '../knowledge/load.js';
import { ROMANISED_LANGUAGES, type KnowledgeEntry } from '../knowledge/schema.js';
import { textDirection } from '../language-facts.js';
import { LANGUAGES, type Lang } from '../languages.js';
import type { AskResult } from '../retrieval/engine.js';
import { html } from './html.js';
import { languageName } from './admin-i18n.js';
import { scriptUrl } from './console-scripts.js';
import { page, scrollBox, type PageContext } from './pages.js';

/** The list's search: words in any language, a translation status, a review date. */
export interface EntryFilter {
  readonly q?: string;
  readonly status?: '' | 'machine' | 'reviewed';
  readonly reviewedBefore?: string;
}

export function entryListPage(context: PageContext, entries: readonly KnowledgeEntry[], filter: EntryFilter, notice?: string): string {
  const { t, lang } = context;
  const rows = entries.map((e) => {
    const machine = LANGUAGES.filter((l) => e.languages[l].status === 'machine').length;
    return html`<tr><td><a href="/admin/entries/${e.id}">${e.id}</a>${e.referral ? html` <span class="tag">${t(lang, 'entries.referral')}</span>` : ''}</td><td>${e.topic}</td><td>${e.languages.en.question}</td><td>${machine} / ${LANGUAGES.length}</td><td>${e.reviewed}</td></tr>`;
  });
  return page(context, t(lang, 'entries.heading'), html`
<section class="card">
  <h2>${t(lang, 'entries.heading')}</h2>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  <p><a href="/admin/entries/new">${t(lang, 'entries.new')}</a></p>
  <form method="get" action="/admin/entries" role="search">
    <label for="q">${t(lang, 'entries.search')}</label>
    <input id="q" name="q" type="search" value="${filter.q ?? ''}">
    <label for="status">${t(lang, 'entries.status')}</label>
    <select id="status" name="status">
      <option value="">${t(lang, 'entries.anyStatus')}</option>
      <option value="machine"${filter.status === 'machine' ? html` selected` : ''}>${t(lang, 'entries.hasMachine')}</option>
      <option value="reviewed"${filter.status === 'reviewed' ? html` selected` : ''}>${t(lang, 'entries.hasReviewed')}</option>
    </select>
    <label for="reviewedBefore">${t(lang, 'entries.reviewedBefore')}</label>
    <input id="reviewedBefore" name="reviewedBefore" type="date" value="${filter.reviewedBefore ?? ''}">
    <p><button type="submit">${t(lang, 'entries.searchButton')}</button></p>
  </form>
  ${rows.length === 0 ? html`<p>${t(lang, 'entries.none')}</p>` : scrollBox(t(lang, 'entries.heading'), html`
  <table>
    <thead><tr><th>${t(lang, 'entries.id')}</th><th>${t(lang, 'entries.topic')}</th><th>${t(lang, 'entries.question')}</th><th>${t(lang, 'entries.machine')}</th><th>${t(lang, 'entries.reviewed')}</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`)}
</section>`);
}

/** Which languages the editor shows beside English: one, the machine translations, or all. */
export type EntryView = Exclude<Lang, 'en'> | 'machine' | 'all';
export const ENTRY_VIEWS: readonly EntryView[] = [...LANGUAGES.filter((l): l is Exclude<Lang, 'en'> => l !== 'en'), 'machine', 'all'];

export interface EntryPageState {
  /** A new entry: its id is asked for, and the form creates it. */
  readonly isNew?: boolean;
  readonly version: string;
  readonly notice?: 'published' | 'conflict' | 'problems';
  readonly problems?: readonly KnowledgeProblem[];
  /** What the bot would answer with this draft (not published). */
  readonly preview?: { readonly question: string; readonly lang: Lang; readonly result: AskResult };
  /** The languages shown beside English; see `entryView` for the default. */
  readonly view?: EntryView;
}

const romanisable: ReadonlySet<Lang> = new Set(ROMANISED_LANGUAGES);

/** Whether a translation fieldset shows in a view (English always does). */
const shownIn = (view: EntryView, entry: KnowledgeEntry, code: Lang) =>
  code === 'en' || view === 'all' || view === code || (view === 'machine' && entry.languages[code].status === 'machine');

/**
 * The view to show: the one asked for, unless a problem to fix is in a language it hides (then
 * that language, or all of them); otherwise the first machine translation (what most needs a
 * person), or Bulgarian.
 */
export function entryView(entry: KnowledgeEntry, problems: readonly KnowledgeProblem[], wanted?: EntryView): EntryView {
  const withProblems = [...new Set(problems.map((p) => /^languages\.([a-z]{2})\./.exec(p.field ?? '')?.[1]).filter((l): l is Lang => LANGUAGES.includes(l as Lang) && l !== 'en'))];
  const view = wanted ?? LANGUAGES.find((l): l is Exclude<Lang, 'en'> => l !== 'en' && entry.languages[l].status === 'machine') ?? 'bg';
  if (withProblems.every((l) => shownIn(view, entry, l))) return view;
  return withProblems.length === 1 ? (withProblems[0] as Exclude<Lang, 'en'>) : 'all';
}

/**
 * One entry's editor, compact: the fields common to all languages folded away, then English
 * beside one other language (or the machine translations, or all eleven), each editable,
 * right-to-left where the language is, each answer with a preview as the web chat shows it (the
 * widget's own renderer, live as staff type). Hidden languages stay in the form (CSS picks what
 * shows), so switching keeps what was typed and publishing sends every language.
 */
export function entryPage(context: PageContext & { session: { csrfToken: string } }, entry: KnowledgeEntry, state: EntryPageState): string {
  const { t, lang, session } = context;
  const problemsOf = (field: string) => (state.problems ?? []).filter((p) => p.field === field || p.field?.startsWith(`${field}[`) || p.field?.startsWith(`${field}.`));
  // Each problem is shown under its field, with an id the field's aria-describedby names.
  const errorIds = (field: string) => problemsOf(field).map((_, i) => (i === 0 ? `${field}-error` : `${field}-error-${i + 1}`));
  const fieldProblems = (field: string) => problemsOf(field).map((p, i) => html`<p class="error" id="${errorIds(field)[i]}">${p.message}</p>`);
  /** A field's ARIA: described by its hint and its errors, and invalid while it has any. */
  const aria = (field: string, hint?: string) => {
    const errors = errorIds(field);
    const describedBy = [...(hint ? [hint] : []), ...errors].join(' ');
    return html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${errors.length > 0 ? html` aria-invalid="true"` : ''}`;
  };
  const shown = ['id', 'topic', 'tags', 'referral', 'related', 'source', 'reviewed'];
  const general = (state.problems ?? []).filter((p) => !p.field?.startsWith('languages.') && !shown.some((f) => p.field === f || p.field?.startsWith(`${f}[`)));
  const commonProblems = (state.problems ?? []).some((p) => shown.some((f) => p.field === f || p.field?.startsWith(`${f}[`)));
  const view = entryView(entry, state.problems ?? [], state.view);
  const statusText = (code: Lang) => (entry.languages[code].status === 'machine' ? t(lang, 'entry.statusMachine') : t(lang, 'entry.statusReviewed'));
  const languages = LANGUAGES.map((code) => {
    const tr = entry.languages[code];
    const field = (name: string) => `languages.${code}.${name}`;
    const dir = textDirection(code);
    return html`
<fieldset class="${tr.status === 'machine' ? 'language machine' : 'language'}" lang="${code}" dir="${dir}">
  <legend lang="${lang}" dir="ltr">${code} · ${languageName(code, lang)} · ${statusText(code)}</legend>
  <label for="${field('status')}">${t(lang, 'entry.status')}</label>
  <select id="${field('status')}" name="${field('status')}">
    <option value="reviewed"${tr.status === 'reviewed' ? html` selected` : ''}>${t(lang, 'entry.statusReviewed')}</option>
    <option value="machine"${tr.status === 'machine' ? html` selected` : ''}>${t(lang, 'entry.statusMachine')}</option>
  </select>
  <label for="${field('question')}">${t(lang, 'entry.question')}</label>
  <input id="${field('question')}" name="${field('question')}" value="${tr.question}"${aria(field('question'))}>
  ${fieldProblems(field('question'))}
  <label for="${field('variants')}">${t(lang, 'entry.variants')}</label>
  <textarea id="${field('variants')}" name="${field('variants')}" rows="4"${aria(field('variants'))}>${tr.variants.join('\n')}</textarea>
  ${fieldProblems(field('variants'))}
  ${romanisable.has(code) ? html`<label for="${field('romanised')}">${t(lang, 'entry.romanised')}</label>
  <textarea id="${field('romanised')}" name="${field('romanised')}" rows="3" dir="ltr" lang="${code}-Latn"${aria(field('romanised'))}>${(tr.romanised ?? []).join('\n')}</textarea>
  ${fieldProblems(field('romanised'))}` : ''}
  <div class="answer-row">
    <div class="answer-edit">
      <label for="${field('answer')}">${t(lang, 'entry.answer')}</label>
      <textarea id="${field('answer')}" name="${field('answer')}" rows="12" data-preview="preview-${code}"${aria(field('answer'))}>${tr.answer}</textarea>
      ${fieldProblems(field('answer'))}
    </div>
    <div class="answer-preview">
      <p class="label" id="preview-${code}-label">${t(lang, 'entry.rendered')}</p>
      <div class="bubble" id="preview-${code}" role="region" aria-labelledby="preview-${code}-label"></div>
    </div>
  </div>
</fieldset>`;
  });
  const machineCount = LANGUAGES.filter((code) => code !== 'en' && entry.languages[code].status === 'machine').length;
  const option = (value: EntryView, label: string) => html`<option value="${value}"${value === view ? html` selected` : ''}>${label}</option>`;
  // A refusal's notice can take focus: the editor's script focuses it when no field is to blame.
  const notice = state.notice && (state.notice === 'published'
    ? html`<p class="notice" role="status">${t(lang, 'entry.published')}</p>`
    : html`<p class="error" role="alert" id="entry-refused" tabindex="-1">${t(lang, `entry.${state.notice}`)}</p>`);
  return page(context, t(lang, 'entry.heading', { id: entry.id }), html`
<p><a href="/admin/entries">${t(lang, 'entry.back')}</a>${state.isNew ? '' : html` · <a href="/admin/entries/${entry.id}/history">${t(lang, 'entry.history')}</a>`}</p>
<form class="entry" method="post" action="${state.isNew ? '/admin/entries' : `/admin/entries/${entry.id}`}">
  <h2>${state.isNew ? t(lang, 'entry.new') : t(lang, 'entry.heading', { id: entry.id })}</h2>
  ${notice}
  ${general.map((p) => html`<p class="error">${p.field ? `${p.field}: ` : ''}${p.message}</p>`)}
  <input type="hidden" name="_csrf" value="${session.csrfToken}">
  <input type="hidden" name="version" value="${state.version}">
  <details class="common"${state.isNew || commonProblems ? html` open` : ''}>
  <summary>${t(lang, 'entry.common')}</summary>
  <fieldset class="language">
    <legend class="visually-hidden">${t(lang, 'entry.common')}</legend>
    ${state.isNew ? html`<label for="id">${t(lang, 'entry.id')}</label>
    <input id="id" name="id" value="${entry.id}" required pattern="[a-z0-9]+(-[a-z0-9]+)*"${aria('id')}>
    ${fieldProblems('id')}` : ''}
    <label for="topic">${t(lang, 'entry.topic')}</label>
    <input id="topic" name="topic" value="${entry.topic}"${aria('topic')}>
    ${fieldProblems('topic')}
    <label for="tags">${t(lang, 'entry.tags')}</label>
    <input id="tags" name="tags" value="${entry.tags.join(', ')}"${aria('tags')}>
    ${fieldProblems('tags')}
    <input type="hidden" name="referralShown" value="1">
    <label class="check" for="referral"><input type="checkbox" id="referral" name="referral" value="yes"${entry.referral ? html` checked` : ''}${aria('referral', 'referral-hint')}> ${t(lang, 'entry.referral')}</label>
    <p class="hint" id="referral-hint">${t(lang, 'entry.referralHint')}</p>
    ${fieldProblems('referral')}
    <label for="related">${t(lang, 'entry.related')}</label>
    <input id="related" name="related" value="${(entry.related ?? []).join(', ')}"${aria('related')}>
    ${fieldProblems('related')}
    <label for="source">${t(lang, 'entry.source')}</label>
    <textarea id="source" name="source" rows="3"${aria('source')}>${entry.source.join('\n')}</textarea>
    ${fieldProblems('source')}
    <label for="reviewed">${t(lang, 'entry.reviewed')}</label>
    <input id="reviewed" name="reviewed" type="date" value="${entry.reviewed}"${aria('reviewed')}>
    ${fieldProblems('reviewed')}
  </fieldset>
  </details>
  <div class="view-bar">
    <label for="view">${t(lang, 'entry.view')}</label>
    <select id="view" name="view">
      <optgroup label="${t(lang, 'entry.viewOne')}">
        ${LANGUAGES.filter((code) => code !== 'en').map((code) => option(code as EntryView, `${code} · ${languageName(code, lang)} — ${statusText(code)}`))}
      </optgroup>
      <optgroup label="${t(lang, 'entry.viewSeveral')}">
        ${option('machine', t(lang, 'entry.viewMachine', { count: machineCount }))}
        ${option('all', t(lang, 'entry.viewAll'))}
      </optgroup>
    </select>
    <p class="hint">${t(lang, 'entry.viewHint')}</p>
  </div>
  <div class="languages">${languages}</div>
  ${state.isNew ? '' : html`<fieldset class="language preview">
    <legend>${t(lang, 'entry.preview')}</legend>
    ${state.preview ? html`<div role="status">
      <p>${t(lang, 'entry.previewResult', { kind: state.preview.result.kind, entry: state.preview.result.entryId ?? '–', confidence: state.preview.result.confidence.toFixed(2) })}</p>
      <p class="answer" lang="${state.preview.lang}" dir="${textDirection(state.preview.lang)}">${state.preview.result.answer}</p>
    </div>` : ''}
    <label for="previewQuestion">${t(lang, 'entry.previewQuestion')}</label>
    <input id="previewQuestion" name="previewQuestion" value="${state.preview?.question ?? ''}">
    <label for="previewLang">${t(lang, 'entry.previewLang')}</label>
    <select id="previewLang" name="previewLang">${LANGUAGES.map((l) => html`<option value="${l}"${l === (state.preview?.lang ?? 'en') ? html` selected` : ''}>${l}</option>`)}</select>
    <p><button type="submit" class="secondary" formaction="/admin/entries/${entry.id}/preview">${t(lang, 'entry.previewButton')}</button></p>
  </fieldset>`}
  <p><button type="submit">${state.isNew ? t(lang, 'entry.create') : t(lang, 'entry.publish')}</button></p>
</form>
${state.isNew ? '' : html`<form method="post" action="/admin/entries/${entry.id}/delete">
  <input type="hidden" name="_csrf" value="${session.csrfToken}"><input type="hidden" name="version" value="${state.version}">
  <p><button type="submit" class="secondary">${t(lang, 'entry.delete')}</button></p>
</form>`}`, { wide: true, scripts: [scriptUrl('entry-editor')] });
}
