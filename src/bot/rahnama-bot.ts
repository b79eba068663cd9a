import {
  ActionTypes,
  ActivityHandler,
  MessageFactory,
  type CardAction,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import type { Locales } from '../i18n/locales.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import { isLang, LANGUAGES, type Lang } from '../languages.js';
import type { AnswerEngine, AskResult } from '../retrieval/engine.js';
import type { InsightsStore } from '../storage/insights-store.js';
import { decodeAction, encodeAction, type ButtonAction, type CommandAction } from './actions.js';
import { CheckDialog } from './check-dialog.js';
import { PersonHandoffStep, type HandoffMark, type PersonHandoff } from './person-handoff.js';
import type { CheckState } from './guided-check.js';
import { stateKeys, TURN_STATE, TurnProperty, turnStateOf, type TurnStateStore } from './turn-state.js';
import { isTypedCommand } from './typed-words.js';

/** What the bot keeps about a user: small on purpose (no message text, no identity). */
export interface UserProfile extends HandoffMark {
  lang?: Lang;
  /** The user chose `lang` (a button or /language): replies stay in it. Otherwise it is the conversation's language so far. */
  langChosen?: boolean;
}

/** What the bot keeps about a conversation: the entries last shown, for follow-ups. */
export interface ConversationData {
  lastEntries?: string[];
  /** The last day (YYYY-MM-DD, UTC) this conversation asked something: the dashboard counts it once a day. */
  askedOn?: string;
}

export interface RahnamaBotDeps {
  engine: AnswerEngine;
  /**
   * The knowledge in service (the live knowledge the engine answers from): the entries buttons
   * and related questions name, and the guided checks. Read on every turn, so edits show at once.
   */
  knowledge: Pick<KnowledgeBase, 'entries' | 'flows'>;
  locales: Locales;
  /**
   * Where conversation and user state live. A turn reads it once and writes it once at the end,
   * unless its channel began the turn's state itself (the web chat, which writes the replies in
   * the same write).
   */
  state: TurnStateStore;
  /** Where unanswered questions and feedback go, anonymously, for staff. */
  insights: InsightsStore;
  /** Live handoff to a counsellor; absent, "talk to a person" shows the contact details. */
  handoff?: PersonHandoff;
}

const PRIVACY_ENTRY = 'bot-privacy';
const MAX_RELATED = 3;

/**
 * Commands that exist only with a slash (Telegram's menu offers them; any channel accepts them).
 * Telegram command names are Latin whatever the language, so these are not translated.
 */
const SLASH_COMMANDS: Readonly<Record<string, CommandAction>> = {
  start: { kind: 'welcome' },
  contact: { kind: 'person' },
  privacy: { kind: 'entry', entryId: PRIVACY_ENTRY },
  forget: { kind: 'forget' },
};

/**
 * The conversation logic every channel shares. The subclass is thin (botbuilder's advice to
 * the contrary notwithstanding): each turn is a few small functions composed in `onMessage`.
 */
export class RahnamaBot extends ActivityHandler {
  private readonly profile: StatePropertyAccessor<UserProfile>;
  private readonly conversation: StatePropertyAccessor<ConversationData>;
  /** Guided checks ("Can I get help to return?"), composed in rather than inherited. */
  private readonly checks: CheckDialog;
  /** "Talk to a person" with a live counsellor, when the desk is there. */
  private readonly person: PersonHandoffStep | undefined;

  constructor(private readonly deps: RahnamaBotDeps) {
    super();
    this.profile = new TurnProperty<UserProfile>('user', 'profile');
    this.conversation = new TurnProperty<ConversationData>('conversation', 'conversation');
    this.checks = new CheckDialog({
      flows: deps.knowledge.flows,
      entries: deps.knowledge.entries,
      locales: deps.locales,
      state: new TurnProperty<CheckState | undefined>('conversation', 'check'),
      insights: deps.insights,
      entryButton: (id, lang) => {
        const question = deps.knowledge.entries.get(id)?.languages[lang].question;
        return question ? this.button(question, { kind: 'entry', entryId: id }) : undefined;
      },
      personButton: (lang) => this.button(this.t(lang, 'bot.buttonTalkToPerson'), { kind: 'person' }),
    });

    this.person = deps.handoff && new PersonHandoffStep({ handoff: deps.handoff, engine: deps.engine, locales: deps.locales, reply: (context, result) => this.reply(context, result) });

    this.onMembersAdded(async (context, next) => {
      const joined = (context.activity.membersAdded ?? []).some((m) => m.id !== context.activity.recipient.id);
      if (joined) await this.welcome(context, await this.languageOf(context));
      await next();
    });

    this.onMessage(async (context, next) => {
      const text = (context.activity.text ?? '').trim();
      const lang = await this.languageOf(context);
      const action = decodeAction(text) ?? this.typedCommand(text, lang);
      // With a counsellor: the bot is quiet (danger words aside); /forget still deletes everything.
      const profile = await this.profile.get(context, {});
      const person = action?.kind === 'forget' ? undefined : this.person;
      const open = person && (await person.openHandoff(context, profile));
      const quiet = person && open ? await person.whileOpen(context, open, text, action, lang, profile.lang, profile.langChosen === true) : undefined;
      if (quiet === 'handled') {
        // Said to the counsellor (or where they stand): nothing else.
      } else if (action?.kind === 'lang' || action?.kind === 'language-menu') {
        // A change of language mid-check: the check goes on, in the new language.
        await this.act(context, action);
        if (action.kind === 'lang' && isLang(action.lang)) await this.checks.reask(context, action.lang);
      } else if (await this.checks.handle(context, text, lang)) {
        // A guided check took it: an answer, back, restart, or a start.
      } else if (action) {
        await this.act(context, action);
      } else if (text) {
        await this.answer(context, text);
      }
      await next();
    });

    this.onTurn(async (context, next) => {
      // One read of the state at the start of the turn, one write at the end (see TurnState).
      const own = context.turnState.get(TURN_STATE) === undefined;
      if (own) context.turnState.set(TURN_STATE, await deps.state.load(stateKeys(context.activity)));
      // Every reply says its language, so a client can follow it (the widget switches its
      // labels and text direction); answers set theirs, the rest take the user's.
      context.onSendActivities(async (ctx, activities, send) => {
        const lang = await this.languageOf(ctx);
        for (const activity of activities) if (activity.type === 'message') activity.locale ??= lang;
        return send();
      });
      await next();
      if (own) {
        await deps.state.save(turnStateOf(context));
        await turnStateOf(context).committed();
      }
    });
  }

  /**
   * "language", "person" or "help" typed as the whole message, in the user's language or in English
   * (with or without a slash, as on Telegram), works like the button; `/start`, `/contact`,
   * `/privacy` and `/forget` work with their slash only.
   */
  private typedCommand(text: string, lang: Lang): CommandAction | undefined {
    // `/start` may carry a deep-link payload after a space.
    const slash = /^\/([a-z]+)(?:\s|$)/i.exec(text)?.[1]?.toLowerCase();
    if (slash && Object.hasOwn(SLASH_COMMANDS, slash)) return SLASH_COMMANDS[slash];
    const matches = (key: string) => isTypedCommand(this.deps.locales, text, lang, key);
    if (matches('commands.language')) return { kind: 'language-menu' };
    if (matches('commands.person')) return { kind: 'person' };
    if (matches('commands.help')) return { kind: 'help' };
    return undefined;
  }

  private async languageOf(context: TurnContext): Promise<Lang> {
    const profile = await this.profile.get(context, {});
    if (profile.lang) return profile.lang;
    const locale = context.activity.locale?.slice(0, 2);
    return isLang(locale) ? locale : 'en';
  }

  private t(lang: Lang, key: string, options?: Record<string, unknown>): string {
    return this.deps.locales.t(lang, key, options);
  }

  /**
   * First contact: who the bot is and what it can do, then privacy in one line and the language
   * choice. Clients show only the last message's buttons, so the privacy link is among them.
   */
  private async welcome(context: TurnContext, lang: Lang): Promise<void> {
    const privacy = this.deps.knowledge.entries.get(PRIVACY_ENTRY)?.languages[lang].question;
    await context.sendActivity(MessageFactory.text(`${this.t(lang, 'bot.welcome')}\n\n${this.t(lang, 'bot.capabilities')}`));
    const first = [...this.checks.startButtons(lang), ...(privacy ? [this.button(privacy, { kind: 'entry', entryId: PRIVACY_ENTRY })] : [])];
    await this.offerLanguages(context, lang, first, this.t(lang, 'bot.privacyNotice'));
  }

  private async offerLanguages(context: TurnContext, lang: Lang, before: CardAction[] = [], intro?: string): Promise<void> {
    const buttons = LANGUAGES.map((l) => this.button(this.t(l, 'language.name'), { kind: 'lang', lang: l }));
    const text = intro ? `${intro}\n\n${this.t(lang, 'bot.chooseLanguage')}` : this.t(lang, 'bot.chooseLanguage');
    await context.sendActivity(MessageFactory.suggestedActions([...before, ...buttons], text));
  }

  private async act(context: TurnContext, action: CommandAction): Promise<void> {
    if (action.kind === 'welcome') return this.welcome(context, await this.languageOf(context));
    if (action.kind === 'forget') return this.forget(context);
    return this.onButton(context, action);
  }

  /**
   * Deletes this user's state and this conversation's, then says so in the user's language.
   * Questions and feedback kept for staff carry no identifier, so nothing there is theirs.
   */
  private async forget(context: TurnContext): Promise<void> {
    const lang = await this.languageOf(context);
    turnStateOf(context).forget();
    // A conversation with a counsellor (open or ended) and its transcript go at once.
    const handoffs = (await this.person?.forget(context)) ?? false;
    const text = handoffs ? `${this.t(lang, 'bot.forgotten')}\n\n${this.t(lang, 'handoff.forgotten')}` : this.t(lang, 'bot.forgotten');
    await context.sendActivity({ ...MessageFactory.text(text), locale: lang });
  }

  private async onButton(context: TurnContext, action: ButtonAction): Promise<void> {
    const lang = await this.languageOf(context);
    switch (action.kind) {
      case 'lang': {
        if (!isLang(action.lang)) return this.offerLanguages(context, lang);
        Object.assign(await this.profile.get(context, {}), { lang: action.lang, langChosen: true });
        await context.sendActivity({ ...MessageFactory.text(this.t(action.lang, 'bot.languageChanged')), locale: action.lang });
        return;
      }
      case 'language-menu':
        return this.offerLanguages(context, lang);
      case 'help':
        await context.sendActivity(MessageFactory.suggestedActions([
          this.button(this.t(lang, 'bot.buttonChangeLanguage'), { kind: 'language-menu' }),
          this.button(this.t(lang, 'bot.buttonTalkToPerson'), { kind: 'person' }),
        ], `${this.t(lang, 'bot.capabilities')}\n\n${this.t(lang, 'bot.help')}`));
        return;
      case 'person': {
        if (this.person) return this.person.offer(context, lang);
        const result = this.deps.engine.answerEntry('contact-iom', lang);
        await context.sendActivity(MessageFactory.text(result?.answer ?? this.t(lang, 'answer.contactMissing')));
        return;
      }
      case 'person-confirm': {
        if (!this.person) return this.onButton(context, { kind: 'person' });
        const recent = (await this.conversation.get(context, {})).lastEntries ?? [];
        return this.person.confirm(context, action.confirmed, lang, await this.profile.get(context, {}), recent);
      }
      case 'person-feedback':
        this.person?.feedback(context, action.helpful, lang);
        await context.sendActivity(MessageFactory.text(this.t(lang, action.helpful ? 'bot.feedbackThanksUp' : 'bot.feedbackThanksDown')));
        return;
      case 'entry': {
        const result = this.deps.engine.answerEntry(action.entryId, lang);
        if (result) await this.reply(context, result);
        return;
      }
      case 'feedback':
        if (this.deps.knowledge.entries.has(action.entryId)) {
          const { entryId, helpful } = action;
          turnStateOf(context).onCommitted(() => this.deps.insights.recordFeedback({ entryId, helpful, lang }));
        }
        await context.sendActivity(MessageFactory.text(this.t(lang, action.helpful ? 'bot.feedbackThanksUp' : 'bot.feedbackThanksDown')));
        return;
    }
  }

  private async answer(context: TurnContext, text: string): Promise<void> {
    const profile = await this.profile.get(context, {});
    const locale = context.activity.locale?.slice(0, 2);
    const result = await this.deps.engine.ask({
      text,
      lang: profile.langChosen ? profile.lang : undefined,
      // The conversation's language so far, else the channel's (Telegram's language_code): it
      // sticks unless a message is long enough and clearly in another language.
      conversationLang: profile.lang ?? (isLang(locale) ? locale : undefined),
    });
    // Small talk ("hello", "ok") says too little to set the conversation's language.
    if (!profile.langChosen && (result.kind !== 'smalltalk' || !profile.lang)) profile.lang = result.lang;
    // "I want to talk to someone": the person (live, or the contact details), as the button does.
    if (result.intent === 'person') return this.act(context, { kind: 'person' });
    // For the staff's list and dashboard, once the turn is stored (a turn run again is not counted twice).
    const turn = turnStateOf(context);
    if (result.kind === 'fallback' || result.kind === 'clarify') {
      const question = { text, lang: result.lang, bestEntryId: result.suggestions[0]?.entryId ?? null, bestConfidence: result.confidence };
      turn.onCommitted(() => this.deps.insights.recordUnanswered(question));
    }
    // Counts for the staff dashboard: nothing about who asked, only whether this conversation
    // already asked today (kept in its own state, so it holds across instances).
    const conversation = await this.conversation.get(context, {});
    const today = new Date().toISOString().slice(0, 10);
    const firstOfDay = conversation.askedOn !== today;
    conversation.askedOn = today;
    const count = { channel: context.activity.channelId, firstOfDay, lang: result.lang, kind: result.kind === 'clarify' ? 'fallback' as const : result.kind, entryId: result.entryId };
    turn.onCommitted(() => this.deps.insights.countQuestion(count));
    await this.reply(context, result);
    // "Am I eligible?": the answer, then the check that looks at the person's own situation.
    const check = result.kind === 'answer' && result.entryId ? this.checks.triggeredBy(result.entryId) : undefined;
    if (check) await this.checks.start(context, check, result.lang);
  }

  /**
   * An answer with its buttons: did-you-mean or related questions, feedback, a person. Clients
   * show only the last message's suggested actions, so an answer's buttons all go on the
   * feedback prompt that follows it.
   */
  private async reply(context: TurnContext, result: AskResult): Promise<void> {
    const { lang } = result;
    const person = this.button(this.t(lang, 'bot.buttonTalkToPerson'), { kind: 'person' });
    if (result.kind === 'answer' && result.entryId) {
      const entry = this.deps.knowledge.entries.get(result.entryId);
      // A long message's other questions first, then the entry's related ones.
      const also = (result.alsoAsked ?? []).map((s) => s.entryId);
      const related = [...new Set([...also, ...(entry?.related ?? []).slice(0, MAX_RELATED)])].flatMap((id) => {
        const question = this.deps.knowledge.entries.get(id)?.languages[lang].question;
        return question ? [this.button(question, { kind: 'entry', entryId: id })] : [];
      });
      (await this.conversation.get(context, {})).lastEntries = [result.entryId];
      await context.sendActivity({ ...MessageFactory.text(result.answer), locale: lang });
      const relatedTitle = also.length > 0 ? this.t(lang, 'answer.alsoAsked') : this.t(lang, 'bot.relatedQuestions');
      const prompt = related.length > 0 ? `${this.t(lang, 'bot.feedbackPrompt')}\n\n${relatedTitle}` : this.t(lang, 'bot.feedbackPrompt');
      await context.sendActivity({
        ...MessageFactory.suggestedActions([
          this.button(this.t(lang, 'bot.buttonYes'), { kind: 'feedback', helpful: true, entryId: result.entryId }),
          this.button(this.t(lang, 'bot.buttonNo'), { kind: 'feedback', helpful: false, entryId: result.entryId }),
          ...related,
          person,
        ], prompt),
        locale: lang,
      });
      return;
    }
    const suggestions = result.suggestions.map((s) => this.button(s.question, { kind: 'entry', entryId: s.entryId }));
    const text = suggestions.length > 0 && result.kind !== 'clarify' ? `${result.answer}\n\n${this.t(lang, 'answer.didYouMean')}` : result.answer;
    await context.sendActivity({ ...MessageFactory.suggestedActions(result.kind === 'smalltalk' ? suggestions : [...suggestions, person], text), locale: lang });
  }

  private button(title: string, action: ButtonAction): CardAction {
    return { type: ActionTypes.PostBack, title, value: encodeAction(action) };
  }
}
