import { HANDOFF_OUTCOMES, type ClosedHandoff, type HandoffMessage, type OpenHandoff, type QueueItem } from '../handoff/handoff-records.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { isLang, LANGUAGES } from '../languages.js';
import { textDirection } from '../language-facts.js';
import { languageName } from './admin-i18n.js';
import { scriptUrl } from './console-scripts.js';
import { html, type SafeHtml } from './html.js';
import { page, type PageContext } from './pages.js';

/**
 * The counsellor's pages: the live queue and one conversation. Parts marked `data-live` are
 * fetched again by the page's script (`browser/handoff-live.ts`) when the store announces a
 * change, so the queue and new messages appear without reload; the forms stay outside them,
 * so a reply being typed is never replaced.
 */

type SignedInContext = PageContext & { session: { email: string; csrfToken: string } };

export interface HandoffNotice {
  readonly kind: 'notice' | 'problem';
  readonly text: string;
}

/** The entry's question in `lang`, or in English when it has none there. */
const questionIn = (entry: KnowledgeEntry, lang: string) => (isLang(lang) ? entry.languages[lang].question : entry.languages.en.question);

/** Minutes since `from`, as the console says it. */
const minutesSince = (from: string, now: Date) => Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 60_000));

const noticeOf = (notice: HandoffNotice | undefined) =>
  notice && html`<p class="${notice.kind === 'problem' ? 'error' : 'notice'}" role="${notice.kind === 'problem' ? 'alert' : 'status'}">${notice.text}</p>`;

/** The stream the page's script listens to, and the script itself. */
const liveScript = { scripts: [scriptUrl('handoff-live')] };

export interface QueuePageView {
  readonly items: readonly QueueItem[];
  /** The languages the signed-in counsellor speaks. */
  readonly languages: readonly string[];
  /** Counsellors online now (this one included, once their stream is open). */
  readonly online: number;
  readonly now: Date;
  readonly entryOf: (id: string) => KnowledgeEntry | undefined;
  readonly notice?: HandoffNotice;
}

/** The live queue: waiting conversations first (longest waiting first), then claimed ones. */
export function queuePage(context: SignedInContext, view: QueuePageView): string {
  const { t, lang, session } = context;
  const h = (key: string, options?: Record<string, unknown>) => t(lang, `handoff.${key}`, options);
  const items = view.items.map((item) => {
    const topicId = item.recentEntryIds.at(-1);
    const topic = topicId ? view.entryOf(topicId) : undefined;
    const speaks = view.languages.includes(item.language);
    const status =
      item.state === 'waiting'
        ? h('waiting')
        : item.claimedBy === session.email
          ? h('claimedByYou')
          : h('claimedBy', { email: item.claimedBy });
    return html`<li class="handoff" data-handoff="${item.id}">
      <p><a href="/admin/handoff/${item.id}?lang=${lang}">${languageName(item.language, lang)} (${item.language})</a>${speaks ? html` <span class="tag">${h('youSpeak')}</span>` : ''}
      · ${item.channel} · ${h('minutes', { count: minutesSince(item.requestedAt, view.now) })}${item.outsideHours ? html` <span class="tag">${h('outsideHours')}</span>` : ''}</p>
      ${topicId ? html`<p class="hint">${h('topic')}: <span class="tag">${topicId}</span> ${topic ? html`<span lang="en" dir="ltr">${topic.languages.en.question}</span>` : ''}</p>` : ''}
      <p class="state">${status}</p>
    </li>`;
  });
  return page(
    context,
    h('queue'),
    html`
<p><a href="/admin?lang=${lang}">${t(lang, 'dashboard.back')}</a></p>
<section class="card" data-live-events="/admin/handoff/events">
  <h2>${h('queue')}</h2>
  ${noticeOf(view.notice)}
  <p>${h('intro')}</p>
  <p class="hint">${view.languages.length > 0 ? h('yourLanguages', { languages: view.languages.map((code) => languageName(code, lang)).join(', ') }) : h('noLanguages')}</p>
  <details><summary>${h('changeLanguages')}</summary>
    <form method="post" action="/admin/handoff/languages?lang=${lang}"><input type="hidden" name="_csrf" value="${session.csrfToken}">
      <fieldset class="choices"><legend>${h('languagesLegend')}</legend>
      ${LANGUAGES.map((code) => html`<label class="check"><input type="checkbox" name="languages" value="${code}"${view.languages.includes(code) ? html` checked` : ''}> <span>${languageName(code, lang)} (${code})</span></label>`)}
      </fieldset>
      <button type="submit" class="secondary">${h('saveLanguages')}</button>
    </form>
  </details>
  <div id="handoff-queue" data-live>
    <p class="hint">${h('online', { count: view.online })}</p>
    ${view.items.length === 0 ? html`<p>${h('empty')}</p>` : html`<ol class="queue" aria-label="${h('queue')}">${items}</ol>`}
  </div>
</section>`,
    liveScript,
  );
}

/** A message as the conversation view shows it: for a language the counsellor does not speak, the English question of the entry the engine matches. */
export type ShownMessage = HandoffMessage & { readonly gloss?: string };

export interface ConversationPageView {
  readonly handoff: OpenHandoff | ClosedHandoff;
  readonly messages: readonly ShownMessage[];
  /** Whether the counsellor speaks the person's language (else glosses are shown). */
  readonly speaks: boolean;
  /** Staff who may take the conversation over (counsellors and admins but this one). */
  readonly colleagues: readonly string[];
  readonly entries: readonly KnowledgeEntry[];
  readonly entryOf: (id: string) => KnowledgeEntry | undefined;
  readonly now: Date;
  readonly notice?: HandoffNotice;
}

/**
 * One conversation: who asked in which language, what the bot answered last, the messages since
 * the person confirmed (each read of them is recorded), and, for the counsellor holding the
 * claim, the reply box, "insert answer", hand over, put back and end.
 */
export function conversationPage(context: SignedInContext, view: ConversationPageView): string {
  const { t, lang, session } = context;
  const h = (key: string, options?: Record<string, unknown>) => t(lang, `handoff.${key}`, options);
  const { handoff } = view;
  const personLang = handoff.language;
  const dir = textDirection(personLang);
  const csrf = html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
  const open = handoff.kind === 'open' ? handoff : undefined;
  const mine = open?.state === 'claimed' && open.claimedBy === session.email;
  const action = (name: string) => `/admin/handoff/${handoff.id}/${name}?lang=${lang}`;

  const recent = handoff.recentEntryIds.map((id) => {
    const entry = view.entryOf(id);
    return html`<li><span class="tag">${id}</span> ${
      entry
        ? html`<span lang="${personLang}" dir="${dir}">${questionIn(entry, personLang)}</span>${!view.speaks && personLang !== 'en' ? html` <span class="gloss">${h('gloss')} <q lang="en" dir="ltr">${entry.languages.en.question}</q></span>` : ''}`
        : ''
    }</li>`;
  });

  const messages = view.messages.map((m) =>
    m.from === 'person'
      ? html`<li class="message person"><p class="hint">${h('person')} · ${m.at.slice(11, 16)}</p>
      <p class="text" lang="${personLang}" dir="auto">${m.text}</p>${m.gloss ? html`<p class="gloss">${h('gloss')} <q lang="en" dir="ltr">${m.gloss}</q></p>` : ''}</li>`
      : html`<li class="message counsellor"><p class="hint">${m.counsellor ?? ''} · ${m.at.slice(11, 16)}${m.entryId ? html` · <span class="tag">${m.entryId}</span>` : ''}</p>
      <p class="text" lang="${personLang}" dir="auto">${m.text}</p></li>`,
  );

  let status: SafeHtml;
  if (!open) status = html`<p>${h('ended', { outcome: h(`outcome.${(handoff as ClosedHandoff).ending}`) })}</p>`;
  else if (open.state === 'waiting')
    status = html`<p>${h('waitingSince', { count: minutesSince(open.requestedAt, view.now) })}</p>
    <form method="post" action="${action('claim')}">${csrf}<button type="submit">${h('claim')}</button></form>`;
  else status = html`<p>${mine ? h('claimedByYou') : h('claimedBy', { email: open.claimedBy })}</p>`;

  // Only for the counsellor holding the claim: reply, insert an answer, then hand over, put back, end.
  const work =
    mine &&
    html`<section class="card">
  <h2>${h('reply')}</h2>
  <form method="post" action="${action('reply')}">${csrf}
    <label for="reply-text">${h('replyLabel', { language: languageName(personLang, lang) })}</label>
    <textarea id="reply-text" name="text" rows="4" maxlength="4000" required lang="${personLang}" dir="auto"></textarea>
    <p><button type="submit">${h('send')}</button></p>
  </form>
  <form method="post" action="${action('insert')}">${csrf}
    <label for="insert-entry">${h('insertLabel', { language: languageName(personLang, lang) })}</label>
    <select id="insert-entry" name="entryId" required>
      ${view.entries.map((e) => html`<option value="${e.id}">${e.id} — ${e.languages.en.question}</option>`)}
    </select>
    <p><button type="submit" class="secondary">${h('insert')}</button></p>
  </form>
</section>
<section class="card">
  <h2>${h('manage')}</h2>
  <form method="post" action="${action('end')}">${csrf}
    <fieldset class="choices"><legend>${h('endWith')}</legend>
    ${HANDOFF_OUTCOMES.map((o) => html`<label class="check"><input type="radio" name="outcome" value="${o}" required> <span>${h(`outcome.${o}`)}</span></label>`)}
    </fieldset>
    <button type="submit">${h('end')}</button>
  </form>
  ${
    view.colleagues.length > 0
      ? html`<form method="post" action="${action('hand-over')}">${csrf}
    <label for="hand-over-to">${h('handOverTo')}</label>
    <select id="hand-over-to" name="to" required>${view.colleagues.map((c) => html`<option value="${c}">${c}</option>`)}</select>
    <p><button type="submit" class="secondary">${h('handOver')}</button></p>
  </form>`
      : ''
  }
  <form method="post" action="${action('release')}">${csrf}<p><button type="submit" class="secondary">${h('release')}</button></p></form>
</section>`;

  return page(
    context,
    h('conversation'),
    html`
<p><a href="/admin/handoff?lang=${lang}">${h('backToQueue')}</a></p>
<section class="card" data-live-events="/admin/handoff/events?id=${handoff.id}">
  <h2>${h('conversation')}</h2>
  ${noticeOf(view.notice)}
  <p>${h('about', { language: languageName(personLang, lang), code: personLang, channel: handoff.channel })}${handoff.outsideHours ? html` <span class="tag">${h('outsideHours')}</span>` : ''}</p>
  <div id="handoff-status" data-live>${status}</div>
  ${recent.length > 0 ? html`<h3>${h('botAnswered')}</h3><ul>${recent}</ul>` : ''}
  <h3>${h('messages')}</h3>
  <div id="handoff-messages" data-live role="log" aria-label="${h('messages')}">
    ${messages.length === 0 ? html`<p>${h('noMessages')}</p>` : html`<ol class="messages">${messages}</ol>`}
  </div>
  <p class="hint">${h('audited')}</p>
</section>
<div id="handoff-work" data-live>${work}</div>`,
    liveScript,
  );
}

/** For staff whose role does not include live conversations (editors). */
export function forbiddenPage(context: PageContext): string {
  const { t, lang } = context;
  return page(
    context,
    t(lang, 'handoff.forbiddenHeading'),
    html`<section class="card"><h2>${t(lang, 'handoff.forbiddenHeading')}</h2><p>${t(lang, 'handoff.forbidden')}</p><p><a href="/admin?lang=${lang}">${t(lang, 'dashboard.back')}</a></p></section>`,
  );
}
