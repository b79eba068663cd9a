import type { CardAction } from './direct-line-client.js';
import { renderMarkdown } from './markdown.js';
import type { WidgetStrings } from './strings.js';

type Attributes = Record<string, string | boolean>;

/** document.createElement with attributes and children; text children become text nodes. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, '');
    else if (value !== false) element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** A decorative icon (hidden from screen readers: every button has a text label). */
function icon(path: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  svg.append(p);
  return svg;
}

const ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
const ICON_CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';
const ICON_SEND = 'M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z';
const ICON_LANGUAGE = 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm6.9 6h-3a15.7 15.7 0 0 0-1.4-3.6A8 8 0 0 1 18.9 8zM12 4a14 14 0 0 1 1.9 4h-3.8A14 14 0 0 1 12 4zM4.3 14a8.2 8.2 0 0 1 0-4h3.4a16.5 16.5 0 0 0 0 4H4.3zm.8 2h3a15.7 15.7 0 0 0 1.4 3.6A8 8 0 0 1 5.1 16zm3-8h-3a8 8 0 0 1 4.4-3.6A15.7 15.7 0 0 0 8.1 8zM12 20a14 14 0 0 1-1.9-4h3.8A14 14 0 0 1 12 20zm2.3-6H9.7a14.7 14.7 0 0 1 0-4h4.6a14.7 14.7 0 0 1 0 4zm.3 5.6a15.7 15.7 0 0 0 1.4-3.6h3a8 8 0 0 1-4.4 3.6zm1.7-5.6a16.5 16.5 0 0 0 0-4h3.4a8.2 8.2 0 0 1 0 4h-3.4z';
const ICON_DOWN = 'M11 4h2v12l5.5-5.5 1.4 1.4L12 19.8l-7.9-7.9 1.4-1.4L11 16z';

export type Role = 'bot' | 'user';

/** Within this many pixels of the end, the log counts as scrolled to the end. */
const END_SLACK = 24;

/**
 * The widget's DOM inside a shadow root (the host page's styles cannot reach it, nor its ours):
 * a box over the visual viewport holding the launcher button and a dialog with the conversation
 * log, status line, suggested replies and the message form. Labels and names come from the
 * locale strings; nothing here is English.
 */
export class ChatView {
  readonly launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'rahnama-panel' }, icon(ICON_CHAT));
  readonly title = h('h2', { id: 'rahnama-title' });
  readonly languageLabel = h('span', { class: 'sr' });
  readonly languageName = h('span', { class: 'language-name' });
  /** Opens the list of languages: a language changes only when one is pressed there. */
  readonly languageButton = h('button', { type: 'button', class: 'language', 'aria-expanded': 'false', 'aria-controls': 'rahnama-languages' }, icon(ICON_LANGUAGE), this.languageLabel, ' ', this.languageName);
  readonly languageMenu = h('div', { id: 'rahnama-languages', class: 'languages', role: 'group', hidden: true });
  readonly closeButton = h('button', { type: 'button', class: 'close' }, icon(ICON_CLOSE));
  readonly privacyText = h('p', { class: 'privacy' });
  readonly restartButton = h('button', { type: 'button', class: 'restart' });
  /** Under the header (which keeps the close button at its top corner whatever the text size): the privacy note and the conversation's tools. */
  readonly bar = h('div', { class: 'bar' }, this.privacyText, this.languageButton, this.restartButton);
  readonly log = h('div', { class: 'log', role: 'log', 'aria-labelledby': 'rahnama-log-label', tabindex: '0' });
  readonly logLabel = h('span', { id: 'rahnama-log-label', class: 'sr' });
  readonly newMessagesText = h('span');
  /** Shown when messages arrive below what the person is reading: a press takes them there. */
  readonly newMessages = h('button', { type: 'button', class: 'new-messages', hidden: true }, this.newMessagesText, icon(ICON_DOWN));
  /** Where the "new messages" button floats: at the log's foot, or above the message field when the panel scrolls as a whole. */
  readonly newMessagesDock = h('div', { class: 'dock' }, this.newMessages);
  readonly status = h('p', { class: 'status', role: 'status' });
  readonly retryButton = h('button', { type: 'button', class: 'retry', hidden: true });
  readonly suggestions = h('div', { class: 'suggestions', role: 'group' });
  readonly input = h('textarea', { id: 'rahnama-input', rows: '1', autocomplete: 'off', enterkeyhint: 'send' });
  readonly inputLabel = h('label', { for: 'rahnama-input', class: 'sr' });
  readonly sendButton = h('button', { type: 'submit', class: 'send' }, icon(ICON_SEND));
  readonly form = h('form', { class: 'composer' }, this.inputLabel, this.input, this.sendButton);
  readonly frame = h(
    'div',
    { class: 'frame' },
    h('header', {}, this.title, this.closeButton),
    this.bar,
    this.languageMenu,
    this.logLabel,
    this.log,
    this.newMessagesDock,
    h('div', { class: 'status-line' }, this.status, this.retryButton),
    this.suggestions,
    this.form,
  );
  readonly panel = h('section', { id: 'rahnama-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'rahnama-title', hidden: true }, this.frame);
  /** Fixed over the part of the page the person sees (see viewport.ts); lets touches through elsewhere. */
  readonly box = h('div', { class: 'viewport' }, this.launcher, this.panel);
  private strings: WidgetStrings | undefined;
  /** The first reply since the person last wrote: kept in view so a long answer is read from its start. */
  private firstReply: HTMLElement | undefined;
  /** The first message that arrived out of view, where the "new messages" button goes. */
  private firstUnseen: HTMLElement | undefined;
  /** False once the person scrolls up: new messages then wait below, behind the button. */
  private following = true;
  /** Where the log was last scrolled to by the widget itself. */
  private autoTop = 0;

  constructor(root: ShadowRoot) {
    root.append(this.box);
    const onScroll = (event: Event) => {
      if (event.target !== this.scroller) return;
      if (this.atEnd()) {
        this.following = true;
        this.hideNewMessages();
      } else if (this.scroller.scrollTop < this.autoTop - 8) {
        this.following = false;
      }
    };
    this.log.addEventListener('scroll', onScroll);
    this.frame.addEventListener('scroll', onScroll);
    this.newMessages.addEventListener('click', () => {
      const target = this.firstUnseen;
      this.following = true;
      this.hideNewMessages();
      this.scrollTo(target ? this.topOf(target) : this.scroller.scrollHeight);
      this.log.focus();
    });
    // Suggestions, the status line or the on-screen keyboard change the space for the log.
    if (typeof ResizeObserver === 'function') {
      const observer = new ResizeObserver(() => this.follow());
      observer.observe(this.frame);
      observer.observe(this.log);
    }
  }

  /** Every label, the panel's language and direction, and the language list, for `s`. */
  applyStrings(s: WidgetStrings): void {
    this.strings = s;
    const t = s.strings;
    this.frame.lang = s.lang;
    this.frame.dir = s.dir;
    this.launcher.setAttribute('aria-label', t.open ?? '');
    this.launcher.title = t.open ?? '';
    this.title.textContent = t.title ?? '';
    this.languageLabel.textContent = t.language ?? '';
    this.languageName.textContent = s.languages.find((l) => l.code === s.lang)?.name ?? s.lang;
    this.languageMenu.setAttribute('aria-label', t.language ?? '');
    this.closeButton.setAttribute('aria-label', t.close ?? '');
    this.privacyText.textContent = t.privacy ?? '';
    this.restartButton.textContent = t.newConversation ?? '';
    this.logLabel.textContent = t.log ?? '';
    this.newMessagesText.textContent = t.newMessages ?? '';
    this.suggestions.setAttribute('aria-label', t.suggestions ?? '');
    this.inputLabel.textContent = t.input ?? '';
    this.input.placeholder = t.placeholder ?? '';
    this.input.maxLength = s.maxLength;
    this.sendButton.setAttribute('aria-label', t.send ?? '');
    this.retryButton.textContent = t.retry ?? '';
    if (this.languageMenu.childElementCount === 0) {
      for (const l of s.languages) this.languageMenu.append(h('button', { type: 'button', value: l.code, lang: l.code, dir: l.dir }, l.name));
    }
    for (const button of Array.from(this.languageMenu.children)) button.setAttribute('aria-current', String((button as HTMLButtonElement).value === s.lang));
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  setOpen(open: boolean, focus = true): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    this.launcher.hidden = open;
    if (!open) this.setLanguageMenuOpen(false, false);
    if (open) {
      this.following = true;
      this.follow();
    }
    if (!focus) return;
    if (open) this.input.focus();
    else this.launcher.focus();
  }

  /**
   * Covering the whole visual viewport (a phone, or very large text) or floating in its corner;
   * and `tight`, too short for a log of its own (large text, the on-screen keyboard): the panel
   * then scrolls as a whole, with the message field kept at its foot.
   */
  setLayout(full: boolean, tight: boolean): void {
    this.box.classList.toggle('full', full);
    if (tight === this.box.classList.contains('tight')) return;
    this.box.classList.toggle('tight', tight);
    this.follow();
  }

  /** A modal dialog while it covers the page: the page under it is made inert elsewhere (page-modal.ts). */
  setModal(modal: boolean): void {
    if (modal) this.panel.setAttribute('aria-modal', 'true');
    else this.panel.removeAttribute('aria-modal');
  }

  get languageMenuOpen(): boolean {
    return !this.languageMenu.hidden;
  }

  setLanguageMenuOpen(open: boolean, focus = true): void {
    this.languageMenu.hidden = !open;
    this.languageButton.setAttribute('aria-expanded', String(open));
    if (!focus) return;
    const current = this.languageMenu.querySelector<HTMLButtonElement>('[aria-current="true"]') ?? this.languageMenu.querySelector('button');
    (open ? current : this.languageButton)?.focus();
  }

  /** The panel's buttons, fields and links that take focus now, in order (for the focus trap). */
  focusable(): HTMLElement[] {
    return Array.from(this.panel.querySelectorAll<HTMLElement>('button, textarea, a[href], [tabindex="0"]')).filter(
      (el) => el.getClientRects().length > 0 && !(el as HTMLButtonElement).disabled,
    );
  }

  /**
   * Adds a message to the log (a screen reader announces it), with its sender said first. In a
   * right-to-left message, phone numbers, addresses and Latin words are isolated left to right.
   */
  addMessage(role: Role, text: string, lang?: string): HTMLDivElement {
    const language = lang ? this.strings?.languages.find((l) => l.code === lang) : undefined;
    const body = h('div', { class: 'text' });
    if (role === 'bot') body.append(renderMarkdown(text, document, { isolateLtr: language?.dir === 'rtl' }));
    else body.textContent = text;
    const item = h(
      'div',
      { class: `message ${role}`, ...(language ? { lang: language.code, dir: language.dir } : { dir: 'auto' }) },
      h('span', { class: 'sr' }, (role === 'bot' ? this.strings?.strings.bot : this.strings?.strings.you) ?? ''),
      body,
    );
    this.log.append(item);
    if (role === 'user') {
      // What the person just wrote or pressed brings the conversation's end into view.
      this.firstReply = undefined;
      this.following = true;
      this.hideNewMessages();
    } else {
      this.firstReply ??= item;
    }
    this.follow();
    if (this.isOpen && this.isBelowView(item)) {
      this.firstUnseen ??= item;
      this.newMessages.hidden = false;
    }
    return item;
  }

  clearMessages(): void {
    this.log.replaceChildren();
    this.suggestions.replaceChildren();
    this.firstReply = undefined;
    this.following = true;
    this.hideNewMessages();
  }

  /** The last bot message's buttons, or none. */
  setSuggestions(actions: readonly CardAction[], lang: string | undefined, onChoose: (action: CardAction, lang: string | undefined) => void): void {
    this.suggestions.replaceChildren(
      ...actions.map((action) => {
        const button = h('button', { type: 'button', ...(lang ? { lang } : {}), dir: 'auto' }, action.title);
        button.addEventListener('click', () => onChoose(action, lang));
        return button;
      }),
    );
  }

  setStatus(text: string, canRetry = false): void {
    this.status.textContent = text;
    this.retryButton.hidden = !canRetry;
  }

  /** What scrolls the conversation: the log, or in a tight panel the whole frame. */
  private get scroller(): HTMLElement {
    return this.box.classList.contains('tight') ? this.frame : this.log;
  }

  private atEnd(): boolean {
    const scroller = this.scroller;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= END_SLACK;
  }

  /** The scroll position that shows `item` at the top, a little space above it. */
  private topOf(item: HTMLElement): number {
    const scroller = this.scroller;
    return scroller.scrollTop + item.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
  }

  /** True when `item` starts below what is seen (under the message field, in a tight panel). */
  private isBelowView(item: HTMLElement): boolean {
    const scroller = this.scroller;
    const bottom = scroller === this.frame ? this.form.getBoundingClientRect().top : scroller.getBoundingClientRect().bottom;
    return item.getBoundingClientRect().top >= bottom - 4;
  }

  private hideNewMessages(): void {
    this.newMessages.hidden = true;
    this.firstUnseen = undefined;
  }

  /**
   * While the person follows the conversation: down to its end, or to the start of the first
   * reply since they last wrote when the replies are longer than the log. Never back up.
   */
  private follow(): void {
    if (!this.following || !this.isOpen) return;
    const scroller = this.scroller;
    const end = scroller.scrollHeight - scroller.clientHeight;
    const target = this.firstReply ? Math.min(end, this.topOf(this.firstReply)) : end;
    if (target > scroller.scrollTop) this.scrollTo(target);
    else this.autoTop = scroller.scrollTop;
  }

  private scrollTo(top: number): void {
    const scroller = this.scroller;
    scroller.scrollTop = top;
    this.autoTop = scroller.scrollTop;
  }
}
