import { LANGUAGES } from '../../../languages.js';
import { DirectLineClient, type Activity, type CardAction, type LinkState } from './direct-line-client.js';
import { EchoStore, type Echo } from './echo-store.js';
import { makePageInert, trapFocus } from './page-modal.js';
import { loadStrings, pickLanguage, type WidgetStrings } from './strings.js';
import { ChatView } from './view.js';
import { followVisualViewport } from './viewport.js';

/** Below either size (in em, so larger text counts) the panel covers the screen, as a modal dialog. */
const FULL_SCREEN_BELOW = { width: 30, height: 32.5 };
/** Below this height (in em) the log gets no scrolling box of its own: the whole panel scrolls. */
const TIGHT_BELOW = 30;

/**
 * The embeddable web chat: `<script src="https://chat.example.org/webchat/widget.js"
 * data-lang="auto" async>`. Everything else (styles, strings, the conversation) comes from the
 * same server, so the host page needs no inline script and a CSP naming that one origin.
 */
function start(script: HTMLScriptElement): void {
  const base = new URL('../', script.src).href;
  const host = document.createElement('div');
  host.className = 'rahnama-webchat';
  // Shown once the stylesheet is in, so the page never flashes unstyled buttons.
  host.style.display = 'none';
  const root = host.attachShadow({ mode: 'open' });
  const stylesheet = document.createElement('link');
  stylesheet.rel = 'stylesheet';
  stylesheet.href = new URL('widget.css', script.src).href;
  root.append(stylesheet);
  const view = new ChatView(root);

  let strings: WidgetStrings | undefined;
  let lang = pickLanguage(script.dataset.lang, LANGUAGES, navigator.languages ?? [navigator.language]);
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  const seen = new Set<string>();
  const sentByThisTab = new Set<string>();
  const storageKey = `rahnama:webchat:${base}`;
  const echoes = new EchoStore(`${storageKey}:echoes`);
  let restorePage: (() => void) | undefined;

  const link = new DirectLineClient(`${base}v3/directline/`, storageKey, () => lang, {
    activity: onActivity,
    state: () => showStatus(),
  });

  async function useLanguage(code: string): Promise<void> {
    lang = code;
    strings = await loadStrings(base, code);
    if (lang !== code) return; // a later choice won
    view.applyStrings(strings);
    showStatus();
  }

  function showStatus(typing = typingTimer !== undefined): void {
    const t = strings?.strings ?? {};
    const state: LinkState = link.state;
    if (state === 'online') view.setStatus(typing ? (t.typing ?? '') : '');
    else view.setStatus(t[state] ?? '', state === 'failed');
  }

  function setTyping(on: boolean): void {
    clearTimeout(typingTimer);
    typingTimer = on ? setTimeout(() => setTyping(false), 15_000) : undefined;
    showStatus(on);
  }

  function onActivity(activity: Activity): void {
    if (activity.id) {
      if (seen.has(activity.id)) return;
      seen.add(activity.id);
    }
    const fromBot = activity.from?.role === 'bot';
    if (activity.type === 'typing' && fromBot) {
      setTyping(true);
      return;
    }
    if (activity.type !== 'message') return;
    if (!fromBot) {
      // Our own messages are shown when sent. A button press sends its value, not what the
      // person saw: after a reload its label comes back from this tab's memory, or nothing does.
      const clientId = activity.channelData?.clientActivityID;
      if (clientId && sentByThisTab.has(clientId)) return;
      if (activity.channelData?.postBack) {
        const echo = clientId ? echoes.get(clientId) : undefined;
        if (echo) view.addMessage('user', echo.text, echo.lang);
        return;
      }
      view.addMessage('user', activity.text ?? '');
      return;
    }
    setTyping(false);
    // The conversation's language leads: when the bot answers in another one, the UI follows.
    const locale = activity.locale && LANGUAGES.find((l) => l === activity.locale?.slice(0, 2));
    if (locale && locale !== lang) void useLanguage(locale);
    view.addMessage('bot', activity.text ?? '', locale || lang);
    view.setSuggestions(activity.suggestedActions?.actions ?? [], locale || lang, choose);
  }

  /** Sends `text`; a button press (`echo`) sends its value and shows the person its label. */
  function send(text: string, echo?: Echo): void {
    const clientActivityID = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    sentByThisTab.add(clientActivityID);
    if (echo) {
      view.addMessage('user', echo.text, echo.lang);
      echoes.set(clientActivityID, echo);
    }
    link.send({ type: 'message', text, channelData: { clientActivityID, ...(echo ? { postBack: true } : {}) } });
    view.setSuggestions([], undefined, choose);
    setTyping(true);
  }

  function choose(action: CardAction, buttonLang: string | undefined): void {
    if (action.type === 'openUrl' && typeof action.value === 'string' && /^https?:/.test(action.value)) {
      window.open(action.value, '_blank', 'noopener');
      return;
    }
    const value = typeof action.value === 'string' ? action.value : action.title;
    // imBack is text the person "says": shown and sent as typed.
    if (action.type === 'imBack') {
      view.addMessage('user', value, buttonLang);
      send(value);
    } else {
      send(value, { text: action.title, lang: buttonLang });
    }
    view.input.focus();
  }

  /** The panel covers the screen on a phone or with very large text, and is then a modal dialog. */
  function layout(widthEm: number, heightEm: number): void {
    view.setLayout(widthEm <= FULL_SCREEN_BELOW.width || heightEm <= FULL_SCREEN_BELOW.height, heightEm < TIGHT_BELOW);
    updateModal();
  }

  function updateModal(): void {
    const modal = view.isOpen && view.box.classList.contains('full');
    view.setModal(modal);
    if (modal && !restorePage) restorePage = makePageInert(host);
    if (!modal && restorePage) {
      restorePage();
      restorePage = undefined;
    }
  }

  function setOpen(isOpen: boolean, focus = true): void {
    view.setOpen(isOpen, focus);
    updateModal();
  }

  function open(): void {
    setOpen(true);
    link.start();
    remember(true);
  }

  function close(): void {
    setOpen(false);
    remember(false);
  }

  function remember(isOpen: boolean): void {
    try {
      sessionStorage.setItem(`${storageKey}:open`, isOpen ? '1' : '');
    } catch {
      // Private mode: a reload shows the launcher only.
    }
  }

  view.launcher.addEventListener('click', open);
  view.closeButton.addEventListener('click', close);
  view.panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      if (view.languageMenuOpen) view.setLanguageMenuOpen(false);
      else close();
    } else if (view.panel.hasAttribute('aria-modal')) {
      trapFocus(event, view.focusable(), root.activeElement);
    }
  });
  view.retryButton.addEventListener('click', () => link.reconnectNow());
  // A shared phone: the next person starts with an empty chat.
  view.restartButton.addEventListener('click', () => {
    view.clearMessages();
    seen.clear();
    echoes.clear();
    link.restart();
    view.input.focus();
  });
  view.languageButton.addEventListener('click', () => view.setLanguageMenuOpen(!view.languageMenuOpen));
  // A language changes only when one is pressed in the list, never while moving through it.
  view.languageMenu.addEventListener('click', (event) => {
    const button = (event.target as Element).closest('button');
    if (!button) return;
    view.setLanguageMenuOpen(false, false);
    if (button.value !== lang) {
      void useLanguage(button.value);
      // The bot switches too (and says so in the new language).
      send(`lang:${button.value}`, { text: button.textContent ?? '', lang: button.value });
    }
    view.input.focus();
  });
  const submit = () => {
    const text = view.input.value.trim();
    if (!text) return;
    view.input.value = '';
    view.addMessage('user', text, undefined);
    send(text);
  };
  view.form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  view.input.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter is a new line (and composing with an IME is left alone).
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });

  document.body.append(host);
  const place = followVisualViewport(view.box, layout);
  stylesheet.addEventListener('load', () => {
    host.style.removeProperty('display');
    place();
  });
  const boot = () => useLanguage(lang).then(resume, () => setTimeout(boot, 10_000));
  const resume = () => {
    // A reload in the middle of a conversation reopens it where it was.
    let wasOpen = false;
    try {
      wasOpen = sessionStorage.getItem(`${storageKey}:open`) === '1';
    } catch {
      wasOpen = false;
    }
    if (wasOpen && link.hasSession) {
      setOpen(true, false);
      link.start();
    } else if (script.dataset.open === 'true') {
      open();
    }
  };
  void boot();
}

const script = (document.currentScript ?? document.querySelector('script[src*="/webchat/widget.js"]')) as HTMLScriptElement | null;
if (script) {
  if (document.body) start(script);
  else document.addEventListener('DOMContentLoaded', () => start(script));
}
