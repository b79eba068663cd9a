import type { KnowledgeEntry } from '../knowledge/schema.js';
import { textDirection } from '../language-facts.js';
import { languageName } from './admin-i18n.js';
import { html } from './html.js';
import type { EngineReading, QuestionGroup } from './inbox.js';
import { page, scrollBox, type PageContext } from './pages.js';

export interface Unhelpful {
  readonly entryId: string;
  readonly lang: string;
  readonly count: number;
}

export interface InboxGroupView extends QuestionGroup {
  readonly reading?: EngineReading;
}

export interface InboxPageState {
  readonly notice?: { kind: 'added' | 'dismissed' | 'problem'; text: string };
  /** Groups not shown (the largest come first): the page shows a bounded number. */
  readonly more?: number;
}

/**
 * The unanswered inbox: questions grouped by language and similarity. Each shows the language
 * the engine detects, its three best entries with their confidence (none chosen for staff:
 * the closest entry is often wrong), and for a question not in English the English question
 * of the entry the engine would suggest, as a gloss; staff add it as a way of asking the entry they pick, start a new
 * entry from it, or dismiss it. Then the answers people marked 👎.
 */
export function inboxPage(
  context: PageContext & { session: { csrfToken: string } },
  groups: readonly InboxGroupView[],
  unhelpful: readonly Unhelpful[],
  entries: readonly KnowledgeEntry[],
  state: InboxPageState,
): string {
  const { t, lang, session } = context;
  const byId = new Map(entries.map((e) => [e.id, e]));
  const csrf = html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
  const percent = (confidence: number) => t(lang, 'inbox.confidence', { percent: Math.round(confidence * 100) });
  const items = groups.map((g) => {
    const id = (name: string) => `${name}-${g.key}`;
    const candidates = (g.reading?.candidates ?? []).filter((c) => byId.has(c.entryId));
    // A gloss only from an entry the engine would itself suggest: a weak guess would mislead.
    const best = candidates[0]?.suggested ? byId.get(candidates[0].entryId) : undefined;
    const detected = g.reading?.detectedLang;
    return html`
<li class="card question">
  <p><strong lang="${g.lang}" dir="${textDirection(g.lang)}">${g.text}</strong></p>
  ${best && g.lang !== 'en' ? html`<p class="gloss">${t(lang, 'inbox.gloss')} <q lang="en" dir="ltr">${best.languages.en.question}</q></p>` : ''}
  <p class="hint">${t(lang, 'inbox.meta', { lang: g.lang, count: g.count, last: g.lastAt.slice(0, 10) })}${detected ? html` · ${t(lang, 'inbox.detected', { language: languageName(detected, lang), code: detected, percent: Math.round((g.reading?.detectedConfidence ?? 0) * 100) })}` : ''}</p>
  ${g.examples.length > 1 ? html`<details><summary>${t(lang, 'inbox.examples')}</summary><ul>${g.examples.map((e) => html`<li lang="${g.lang}" dir="auto">${e}</li>`)}</ul></details>` : ''}
  <form method="post" action="/admin/inbox/variant" id="${id('pick')}">
    ${csrf}<input type="hidden" name="key" value="${g.key}">
    <fieldset class="choices">
      <legend>${t(lang, 'inbox.pick')}</legend>
      ${candidates.length === 0 ? html`<p class="hint">${t(lang, 'inbox.noCandidates')}</p>` : ''}
      ${candidates.map((c) => {
        const entry = byId.get(c.entryId)!;
        return html`<label class="check"><input type="radio" name="entryId" value="${c.entryId}" required>
        <span><span class="tag">${c.entryId}</span> <span lang="en" dir="ltr">${entry.languages.en.question}</span> · ${percent(c.confidence)}</span></label>`;
      })}
      <label class="check"><input type="radio" name="entryId" value="other" required> <span>${t(lang, 'inbox.other')}</span></label>
      <label for="${id('other')}" class="visually-hidden">${t(lang, 'inbox.otherList')}</label>
      <select id="${id('other')}" name="otherEntryId" class="other-entry">
        <option value="">${t(lang, 'inbox.otherNone')}</option>
        ${entries.map((e) => html`<option value="${e.id}">${e.id} — ${e.languages.en.question}</option>`)}
      </select>
      <label class="check"><input type="radio" name="entryId" value="new" required> <span>${t(lang, 'inbox.newEntry')}</span></label>
    </fieldset>
  </form>
  <div class="actions">
    <button type="submit" form="${id('pick')}">${t(lang, 'inbox.add')}</button>
    <form method="post" action="/admin/inbox/dismiss">
      ${csrf}<input type="hidden" name="key" value="${g.key}">
      <button type="submit" class="secondary">${t(lang, 'inbox.dismiss')}</button>
    </form>
  </div>
</li>`;
  });
  const notice = state.notice && html`<p class="${state.notice.kind === 'problem' ? 'error' : 'notice'}" role="${state.notice.kind === 'problem' ? 'alert' : 'status'}">${state.notice.text}</p>`;
  return page(context, t(lang, 'inbox.heading'), html`
<section class="card">
  <h2>${t(lang, 'inbox.heading')}</h2>
  ${notice}
  <p>${t(lang, 'inbox.intro')}</p>
  ${groups.length === 0 ? html`<p>${t(lang, 'inbox.empty')}</p>` : html`<ol class="inbox">${items}</ol>`}
  ${state.more ? html`<p>${t(lang, 'inbox.more', { count: state.more })}</p>` : ''}
  <h2>${t(lang, 'inbox.unhelpful')}</h2>
  ${unhelpful.length === 0 ? html`<p>${t(lang, 'inbox.noUnhelpful')}</p>` : html`
  ${scrollBox(t(lang, 'inbox.unhelpful'), html`<table><thead><tr><th>${t(lang, 'entries.id')}</th><th>${t(lang, 'inbox.language')}</th><th>👎</th></tr></thead>
  <tbody>${unhelpful.map((u) => html`<tr><td><a href="/admin/entries/${u.entryId}">${u.entryId}</a></td><td>${u.lang}</td><td>${u.count}</td></tr>`)}</tbody></table>`)}`}
</section>`);
}
