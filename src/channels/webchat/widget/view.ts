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

export type Role = 'bot' | 'user';

/**
 * The widget's DOM inside a shadow root (the host page's styles cannot reach it, nor its ours):
 * a launcher button and a dialog with the conversation log, status line, suggested replies and
 * the message form. Labels and names come from the locale strings; nothing here is English.
 */
export class ChatView {
  readonly launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'rahnama-panel' }, icon(ICON_CHAT));
  readonly title = h('h2', { id: 'rahnama-title' });
  readonly languageLabel = h('span', { class: 'sr' });
  readonly languageSelect = h('select', { class: 'language' });
  readonly closeButton = h('button', { type: 'button', class: 'close' }, icon(ICON_CLOSE));
  readonly privacyText = h('span');
  readonly restartButton = h('button', { type: 'button', class: 'restart' });
  readonly privacy = h('p', { class: 'privacy' }, this.privacyText, this.restartButton);
  readonly log = h('div', { class: 'log', role: 'log', 'aria-labelledby': 'rahnama-log-label', tabindex: '0' });
  readonly logLabel = h('span', { id: 'rahnama-log-label', class: 'sr' });
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
    h('header', {}, this.title, h('label', {}, this.languageLabel, this.languageSelect), this.closeButton),
    this.privacy,
    this.logLabel,
    this.log,
    h('div', { class: 'status-line' }, this.status, this.retryButton),
    this.suggestions,
    this.form,
  );
  readonly panel = h('section', { id: 'rahnama-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'rahnama-title', hidden: true }, this.frame);
  private strings: WidgetStrings | undefined;
  /** The first reply since the user last wrote: kept in view so a long answer is read from its start. */
  private firstReply: HTMLElement | undefined;

  constructor(root: ShadowRoot) {
    root.append(this.launcher, this.panel);
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
    this.closeButton.setAttribute('aria-label', t.close ?? '');
    this.privacyText.textContent = t.privacy ?? '';
    this.restartButton.textContent = t.newConversation ?? '';
    this.logLabel.textContent = t.log ?? '';
    this.suggestions.setAttribute('aria-label', t.suggestions ?? '');
    this.inputLabel.textContent = t.input ?? '';
    this.input.placeholder = t.placeholder ?? '';
    this.input.maxLength = s.maxLength;
    this.sendButton.setAttribute('aria-label', t.send ?? '');
    this.retryButton.textContent = t.retry ?? '';
    if (this.languageSelect.options.length === 0) {
      for (const l of s.languages) this.languageSelect.append(h('option', { value: l.code, lang: l.code, dir: l.dir }, l.name));
    }
    this.languageSelect.value = s.lang;
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  setOpen(open: boolean, focus = true): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    this.launcher.hidden = open;
    if (!focus) return;
    if (open) {
      this.input.focus();
      this.scrollToEnd();
    } else {
      this.launcher.focus();
    }
  }

  /** Adds a message to the log (a screen reader announces it), with its sender said first. */
  addMessage(role: Role, text: string, lang?: string): HTMLDivElement {
    const language = lang ? this.strings?.languages.find((l) => l.code === lang) : undefined;
    const body = h('div', { class: 'text' });
    if (role === 'bot') body.append(renderMarkdown(text));
    else body.textContent = text;
    const item = h(
      'div',
      { class: `message ${role}`, ...(language ? { lang: language.code, dir: language.dir } : { dir: 'auto' }) },
      h('span', { class: 'sr' }, (role === 'bot' ? this.strings?.strings.bot : this.strings?.strings.you) ?? ''),
      body,
    );
    this.log.append(item);
    if (role === 'user') this.firstReply = undefined;
    else this.firstReply ??= item;
    this.scrollToEnd();
    return item;
  }

  clearMessages(): void {
    this.log.replaceChildren();
    this.suggestions.replaceChildren();
    this.firstReply = undefined;
  }

  /** The last bot message's buttons, or none. */
  setSuggestions(actions: readonly CardAction[], lang: string | undefined, onChoose: (action: CardAction) => void): void {
    this.suggestions.replaceChildren(
      ...actions.map((action) => {
        const button = h('button', { type: 'button', ...(lang ? { lang } : {}), dir: 'auto' }, action.title);
        button.addEventListener('click', () => onChoose(action));
        return button;
      }),
    );
  }

  setStatus(text: string, canRetry = false): void {
    this.status.textContent = text;
    this.retryButton.hidden = !canRetry;
  }

  private scrollToEnd(): void {
    const end = this.log.scrollHeight;
    this.log.scrollTop = this.firstReply ? Math.min(end, this.firstReply.offsetTop - 8) : end;
  }
}
