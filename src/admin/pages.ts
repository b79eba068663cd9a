import { LANGUAGES } from '../languages.js';
import type { ConsoleLang, ConsoleT } from './admin-i18n.js';
import { html, type SafeHtml } from './html.js';

/** The console's stylesheet, served from /admin/admin.css (no inline style: a strict CSP). */
export const CONSOLE_CSS: string = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1f24;background:#f5f7fa}
header{display:flex;align-items:center;gap:16px;padding:12px 24px;background:#0a4a86;color:#fff}
header h1{flex:1;margin:0;font-size:1.1rem}header a{color:#fff}
main{max-width:960px;margin:24px auto;padding:0 24px}
form.card,section.card{background:#fff;border:1px solid #d5dbe3;border-radius:8px;padding:24px;max-width:420px}
section.card{max-width:none;margin-bottom:16px}ol.inbox{list-style:none;padding:0}li.question{margin-bottom:12px;padding-top:12px;border-top:1px solid #d5dbe3}.actions{display:flex;flex-wrap:wrap;gap:12px;align-items:center}button.secondary{background:#fff;color:#0a4a86;border:1px solid #0a4a86}
label{display:block;margin:12px 0 4px;font-weight:600}
input{width:100%;min-height:44px;padding:8px 12px;border:1px solid #6b7785;border-radius:6px;font:inherit}
button{min-height:44px;padding:8px 16px;border:0;border-radius:6px;background:#0a4a86;color:#fff;font:inherit;cursor:pointer}
header button{background:transparent;border:1px solid #fff}
.error{padding:8px 12px;border-radius:6px;background:#fdecea;color:#8a1c12}
.notice{padding:8px 12px;border-radius:6px;background:#e7f4ea;color:#14532d}
table{width:100%;border-collapse:collapse}th,td{text-align:start;padding:6px 8px;border-bottom:1px solid #d5dbe3}
form.entry{max-width:none}.languages{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,28rem),1fr));gap:16px;align-items:start}
fieldset.language{background:#fff;border:1px solid #d5dbe3;border-radius:8px;padding:12px 16px}
p.answer{white-space:pre-wrap;background:#f5f7fa;padding:8px 12px;border-radius:6px}fieldset.preview{margin:16px 0}
fieldset.machine{border-color:#b35900;background:#fffaf2}legend{font-weight:700;padding:0 4px}
textarea,select{width:100%;padding:8px 12px;border:1px solid #6b7785;border-radius:6px;font:inherit}
:focus-visible{outline:3px solid #b35900;outline-offset:2px}
label.check{display:flex;align-items:center;gap:8px}label.check input{width:auto;min-height:24px;min-width:24px}
p.hint{margin:4px 0;color:#4a5563;font-size:.9rem}span.tag{display:inline-block;padding:0 6px;border-radius:4px;background:#e8eef6;color:#0a4a86;font-size:.8rem}
pre.terms{white-space:pre-wrap;margin:0}td.avoid{color:#8a1c12}
main.wide{max-width:1400px}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.table-scroll{overflow-x:auto;max-width:100%}caption{text-align:start;padding:4px 0 8px;color:#4a5563;font-size:.9rem}
table.diff{table-layout:fixed;min-width:40rem;font:.85rem/1.45 ui-monospace,"Noto Sans Mono","DejaVu Sans Mono",monospace}
table.diff th,table.diff caption{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif}table.diff td.text{text-align:start}
table.diff td{padding:1px 6px;border:0;vertical-align:top}table.diff td.text{white-space:pre-wrap;overflow-wrap:anywhere}
table.diff td.line,table.diff th:nth-child(odd){width:3.5em}table.diff td.line{color:#4a5563;text-align:end}
tr.removed td.old,tr.changed td.old{background:#fdecea}tr.added td.new,tr.changed td.new{background:#e7f4ea}
table.diff del,table.diff ins{text-decoration:none}td.old mark{background:#f3b1a9;color:inherit}td.new mark{background:#a3d9b1;color:inherit}
tr.fold td{text-align:center;color:#4a5563;background:#f5f7fa;font-style:italic}
fieldset.choices{border:1px solid #d5dbe3;border-radius:8px;padding:8px 16px;margin:12px 0}fieldset.choices label.check{font-weight:400;margin:8px 0}
select.other-entry{margin:0 0 8px 32px;width:calc(100% - 32px)}p.gloss{margin:4px 0;color:#4a5563}
details.common{background:#fff;border:1px solid #d5dbe3;border-radius:8px;padding:4px 16px;margin:16px 0}details.common[open]{padding-bottom:16px}
details.common summary{font-weight:700;cursor:pointer;padding:10px 0}details.common fieldset.language{border:0;padding:0;margin:0}
.view-bar{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center;margin:16px 0}.view-bar label{margin:0}.view-bar select{width:auto;max-width:100%;min-height:44px}.view-bar p.hint{flex-basis:100%}
.answer-row{display:flex;flex-wrap:wrap;gap:0 16px;align-items:flex-start}.answer-edit{flex:1 1 18rem;min-width:0}.answer-preview{flex:1 1 15rem;max-width:24rem}
.answer-preview p.label{margin:12px 0 4px;font-weight:600}textarea{resize:vertical}
.bubble{background:#eef2f7;border-radius:.75em;border-end-start-radius:.25em;padding:.5em .75em;overflow-wrap:anywhere;min-height:2.5em}
.bubble p{margin:.4em 0}.bubble ul,.bubble ol{margin:.4em 0;padding-inline-start:1.4em}.bubble a{color:#0a4a86}
ol.messages{display:flex;flex-direction:column;gap:8px;list-style:none;padding:0;margin:0}li.message{max-width:min(40rem,90%);padding:6px 12px;border-radius:8px;background:#eef2f7}
li.message.counsellor{align-self:flex-end;background:#e7f4ea}ol.queue{list-style:none;padding:0}li.handoff{padding:8px 0;border-top:1px solid #d5dbe3}li.handoff p{margin:4px 0}li.message p{margin:2px 0}p.text{white-space:pre-wrap;overflow-wrap:anywhere}span.gloss{color:#4a5563}
${editorViews()}
`;

/**
 * The entry editor's views, without script: English always, and beside it the language chosen
 * in its `view` select (`:has` reads the select's chosen option), the machine translations, or all.
 */
function editorViews(): string {
  const view = (value: string, fieldsets: string) => `form.entry:has(#view option[value="${value}"]:checked) .languages>fieldset${fieldsets}{display:block}`;
  return [
    'form.entry:has(#view) .languages>fieldset:not([lang="en"]){display:none}',
    ...LANGUAGES.filter((code) => code !== 'en').map((code) => view(code, `[lang="${code}"]`)),
    view('machine', '.machine'),
    view('all', ''),
  ].join('\n');
}

/**
 * A table in a box of its own that scrolls sideways where the table is wider than the window,
 * so that at 320 px the page itself never does (WCAG 1.4.10). The box is a named region that
 * takes focus, so that keyboard users can scroll it with the arrow keys.
 */
export function scrollBox(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

export interface PageContext {
  readonly t: ConsoleT;
  readonly lang: ConsoleLang;
  /** Present when signed in: the header then has the sign-out button. */
  readonly session?: { readonly email: string; readonly csrfToken: string };
}

/** How a page is laid out: `wide` for side-by-side work (the entry editor, a diff). */
export interface PageLayout {
  readonly wide?: boolean;
  /** Same-origin scripts the page runs (under /admin/, allowed by the area's CSP). */
  readonly scripts?: readonly string[];
}

export function page({ t, lang, session }: PageContext, title: string, body: SafeHtml, layout: PageLayout = {}): string {
  const other: ConsoleLang = lang === 'en' ? 'bg' : 'en';
  return html`<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${t(lang, 'title')}</title><link rel="stylesheet" href="/admin/admin.css">${(layout.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}</head>
<body>
<header><h1>${t(lang, 'title')}</h1>
<a href="?lang=${other}" lang="${other}">${other === 'bg' ? 'Български' : 'English'}</a>
${session ? html`<form method="post" action="/admin/logout"><input type="hidden" name="_csrf" value="${session.csrfToken}"><button>${t(lang, 'signOut')}</button></form>` : ''}
</header>
<main${layout.wide ? html` class="wide"` : ''}>${body}</main>
</body>
</html>`.value;
}

export function signInPage(context: PageContext, csrfToken: string, error?: 'invalid' | 'locked' | 'expired'): string {
  const { t, lang } = context;
  return page(context, t(lang, 'signIn.heading'), html`
<form class="card" method="post" action="/admin/login">
  <h2>${t(lang, 'signIn.heading')}</h2>
  ${error ? html`<p class="error" role="alert">${t(lang, `signIn.${error}`)}</p>` : ''}
  <input type="hidden" name="_csrf" value="${csrfToken}">
  <label for="email">${t(lang, 'signIn.email')}</label>
  <input id="email" name="email" type="email" autocomplete="username" required>
  <label for="password">${t(lang, 'signIn.password')}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <p><button type="submit">${t(lang, 'signIn.submit')}</button></p>
</form>`);
}

export function homePage(
  context: PageContext & { session: { email: string; csrfToken: string } },
  role: string,
  counts: { entries: number; unanswered: number; feedback: number },
  /** `queue`: the live conversations are on and this staff member may see them. */
  links: { queue?: boolean } = {},
): string {
  const { t, lang, session } = context;
  return page(context, t(lang, 'home.heading'), html`
<section class="card">
  <h2>${t(lang, 'home.heading')}</h2>
  <p>${t(lang, 'home.signedInAs', { email: session.email, role })}</p>
  ${links.queue ? html`<p><a href="/admin/handoff">${t(lang, 'handoff.open')}</a></p>` : ''}
  <p><a href="/admin/entries">${t(lang, 'home.openEntries')}</a></p>
  <p><a href="/admin/transfer">${t(lang, 'transfer.open')}</a></p>
  <p><a href="/admin/glossary">${t(lang, 'home.openGlossary')}</a></p>
  <p><a href="/admin/out-of-scope">${t(lang, 'home.openOutOfScope')}</a></p>
  <p><a href="/admin/dashboard">${t(lang, 'dashboard.open')}</a></p>
  <p><a href="/admin/inbox">${t(lang, 'inbox.heading')}</a></p>
  <ul>
    <li>${t(lang, 'home.entries', { count: counts.entries })}</li>
    <li>${t(lang, 'home.unanswered', { count: counts.unanswered })}</li>
    <li>${t(lang, 'home.feedback', { count: counts.feedback })}</li>
  </ul>
</section>`);
}
