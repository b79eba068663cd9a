import type { KnowledgeEntry } from '../knowledge/schema.js';
import { textDirection } from '../language-facts.js';
import { html } from './html.js';
import type { QuestionGroup } from './inbox.js';
import { page, type PageContext } from './pages.js';

export interface Unhelpful {
  readonly entryId: string;
  readonly lang: string;
  readonly count: number;
}

export interface InboxPageState {
  readonly notice?: { kind: 'added' | 'dismissed' | 'problem'; text: string };
}

/**
 * The unanswered inbox: questions grouped by language and similarity, each with one-click "add as
 * a variant" (of the closest entry, or another) and "dismiss"; then the answers people marked 👎.
 */
export function inboxPage(
  context: PageContext & { session: { csrfToken: string } },
  groups: readonly QuestionGroup[],
  unhelpful: readonly Unhelpful[],
  entries: readonly KnowledgeEntry[],
  state: InboxPageState,
): string {
  const { t, lang, session } = context;
  const csrf = html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
  const items = groups.map((g) => html`
<li class="card question">
  <p><strong lang="${g.lang}" dir="${textDirection(g.lang)}">${g.text}</strong></p>
  <p>${t(lang, 'inbox.meta', { lang: g.lang, count: g.count, last: g.lastAt.slice(0, 10) })}</p>
  ${g.examples.length > 1 ? html`<details><summary>${t(lang, 'inbox.examples')}</summary><ul>${g.examples.map((e) => html`<li lang="${g.lang}" dir="auto">${e}</li>`)}</ul></details>` : ''}
  <form method="post" action="/admin/inbox/variant">
    ${csrf}<input type="hidden" name="key" value="${g.key}">
    <label for="entry-${g.key}">${t(lang, 'inbox.addTo')}</label>
    <select id="entry-${g.key}" name="entryId">
      ${entries.map((e) => html`<option value="${e.id}"${e.id === g.bestEntryId ? html` selected` : ''}>${e.id} — ${e.languages.en.question}</option>`)}
    </select>
    <p><button type="submit">${t(lang, 'inbox.add')}</button></p>
  </form>
  <p><a href="/admin/entries/new?lang=${g.lang}&amp;question=${encodeURIComponent(g.text)}">${t(lang, 'inbox.newEntry')}</a></p>
  <form method="post" action="/admin/inbox/dismiss">
    ${csrf}<input type="hidden" name="key" value="${g.key}">
    <button type="submit" class="secondary">${t(lang, 'inbox.dismiss')}</button>
  </form>
</li>`);
  const notice = state.notice && html`<p class="${state.notice.kind === 'problem' ? 'error' : 'notice'}" role="${state.notice.kind === 'problem' ? 'alert' : 'status'}">${state.notice.text}</p>`;
  return page(context, t(lang, 'inbox.heading'), html`
<section class="card">
  <h2>${t(lang, 'inbox.heading')}</h2>
  ${notice}
  <p>${t(lang, 'inbox.intro')}</p>
  ${groups.length === 0 ? html`<p>${t(lang, 'inbox.empty')}</p>` : html`<ol class="inbox">${items}</ol>`}
  <h2>${t(lang, 'inbox.unhelpful')}</h2>
  ${unhelpful.length === 0 ? html`<p>${t(lang, 'inbox.noUnhelpful')}</p>` : html`
  <table><thead><tr><th>${t(lang, 'entries.id')}</th><th>${t(lang, 'inbox.language')}</th><th>👎</th></tr></thead>
  <tbody>${unhelpful.map((u) => html`<tr><td><a href="/admin/entries/${u.entryId}">${u.entryId}</a></td><td>${u.lang}</td><td>${u.count}</td></tr>`)}</tbody></table>`}
</section>`);
}
