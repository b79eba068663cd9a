import type { KnowledgeProblem } from '../knowledge/load.js';
import type { GlossaryFile } from '../knowledge/schema.js';
import { textDirection } from '../language-facts.js';
import { LANGUAGES, type Lang } from '../languages.js';
import { html } from './html.js';
import { page, scrollBox, type PageContext } from './pages.js';

type SignedInContext = PageContext & { session: { csrfToken: string } };

/** The glossary, read-only: per concept, each language's approved and forbidden terms. */
export function glossaryPage(context: PageContext, glossary: GlossaryFile | undefined): string {
  const { t, lang } = context;
  const concepts = Object.entries(glossary?.concepts ?? {}).map(
    ([name, byLang]) => html`
<section class="card concept" id="concept-${name}">
  <h3>${t(lang, 'glossary.concept', { name })}</h3>
  ${scrollBox(t(lang, 'glossary.concept', { name }), html`<table>
    <thead><tr><th>${t(lang, 'glossary.language')}</th><th>${t(lang, 'glossary.use')}</th><th>${t(lang, 'glossary.avoid')}</th></tr></thead>
    <tbody>${LANGUAGES.map((code) => html`<tr><td>${code}</td><td lang="${code}" dir="${textDirection(code)}">${byLang[code].use.join(' · ')}</td><td class="avoid" lang="${code}" dir="${textDirection(code)}">${(byLang[code].avoid ?? []).join(' · ')}</td></tr>`)}</tbody>
  </table>`)}
</section>`,
  );
  return page(context, t(lang, 'glossary.heading'), html`
<p><a href="/admin">${t(lang, 'glossary.back')}</a></p>
<section class="card">
  <h2>${t(lang, 'glossary.heading')}</h2>
  <p>${t(lang, 'glossary.intro')}</p>
  ${concepts.length === 0 ? html`<p>${t(lang, 'glossary.none')}</p>` : ''}
</section>
${concepts}`);
}

export interface OutOfScopePageState {
  readonly version: string;
  readonly notice?: 'published' | 'conflict' | 'problems';
  readonly problems?: readonly KnowledgeProblem[];
}

/** The out-of-scope examples: one textarea per language, published like an entry. */
export function outOfScopePage(context: SignedInContext, examples: Readonly<Record<Lang, readonly string[]>>, state: OutOfScopePageState): string {
  const { t, lang, session } = context;
  const problemsOf = (code: Lang) => (state.problems ?? []).filter((p) => p.field === `examples.${code}` || p.field?.startsWith(`examples.${code}[`));
  const general = (state.problems ?? []).filter((p) => !LANGUAGES.some((code) => problemsOf(code).includes(p)));
  const notice = state.notice && html`<p class="${state.notice === 'published' ? 'notice' : 'error'}" role="${state.notice === 'published' ? 'status' : 'alert'}">${t(lang, `outOfScope.${state.notice}`)}</p>`;
  const languages = LANGUAGES.map((code) => {
    const field = `examples.${code}`;
    return html`
<fieldset class="language" lang="${code}" dir="${textDirection(code)}">
  <legend>${code} · ${t(lang, 'outOfScope.count', { count: examples[code].length })}</legend>
  <label for="${field}">${t(lang, 'outOfScope.examples', { lang: code })}</label>
  <textarea id="${field}" name="${field}" rows="12">${examples[code].join('\n')}</textarea>
  ${problemsOf(code).map((p) => html`<p class="error">${p.field}: ${p.message}</p>`)}
</fieldset>`;
  });
  return page(context, t(lang, 'outOfScope.heading'), html`
<p><a href="/admin">${t(lang, 'outOfScope.back')}</a></p>
<form class="entry" method="post" action="/admin/out-of-scope">
  <h2>${t(lang, 'outOfScope.heading')}</h2>
  <p>${t(lang, 'outOfScope.intro')}</p>
  ${notice}
  ${general.map((p) => html`<p class="error">${p.file}${p.field ? ` › ${p.field}` : ''}: ${p.message}</p>`)}
  <input type="hidden" name="_csrf" value="${session.csrfToken}">
  <input type="hidden" name="version" value="${state.version}">
  <div class="languages">${languages}</div>
  <p><button type="submit">${t(lang, 'outOfScope.publish')}</button></p>
</form>`);
}
