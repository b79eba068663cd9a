import { LANGUAGES } from '../../../languages.js';
import { DirectLineClient, type Activity, type CardAction, type LinkState } from './direct-line-client.js';
import { loadStrings, pickLanguage, type WidgetStrings } from './strings.js';
import { ChatView } from './view.js';

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
    if (activity.type === 'typing' && fromBot) return setTyping(true);
    if (activity.type !== 'message') return;
    if (!fromBot) {
      // Our own messages are shown when sent; button presses are not messages to show.
      const clientId = activity.channelData?.clientActivityID;
      if (activity.channelData?.postBack || (clientId && sentByThisTab.has(clientId))) return;
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

  function send(text: string, postBack = false): void {
    const clientActivityID = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    sentByThisTab.add(clientActivityID);
    link.send({ type: 'message', text, channelData: { clientActivityID, ...(postBack ? { postBack: true } : {}) } });
    view.setSuggestions([], undefined, choose);
    setTyping(true);
  }

  function choose(action: CardAction): void {
    if (action.type === 'openUrl' && typeof action.value === 'string' && /^https?:/.test(action.value)) {
      window.open(action.value, '_blank', 'noopener');
      return;
    }
    const value = typeof action.value === 'string' ? action.value : action.title;
    if (action.type === 'imBack') view.addMessage('user', value, lang);
    send(value, action.type !== 'imBack');
    view.input.focus();
  }

  function open(): void {
    view.setOpen(true);
    link.start();
    remember(true);
  }

  function remember(isOpen: boolean): void {
    try {
      sessionStorage.setItem(`${storageKey}:open`, isOpen ? '1' : '');
    } catch {
      // Private mode: a reload shows the launcher only.
    }
  }

  view.launcher.addEventListener('click', open);
  view.closeButton.addEventListener('click', () => {
    view.setOpen(false);
    remember(false);
  });
  view.panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      view.setOpen(false);
      remember(false);
    }
  });
  view.retryButton.addEventListener('click', () => link.reconnectNow());
  // A shared phone: the next person starts with an empty chat.
  view.restartButton.addEventListener('click', () => {
    view.clearMessages();
    seen.clear();
    link.restart();
    view.input.focus();
  });
  view.languageSelect.addEventListener('change', () => {
    const chosen = view.languageSelect.value;
    void useLanguage(chosen);
    // The bot switches too (and says so in the new language).
    send(`lang:${chosen}`, true);
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

  stylesheet.addEventListener('load', () => host.style.removeProperty('display'));
  document.body.append(host);
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
      view.setOpen(true, false);
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
