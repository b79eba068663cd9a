import { ActionTypes, MessageFactory, type Activity, type CardAction, type TurnContext } from 'botbuilder';
import type { HandoffDesk } from '../handoff/handoff-desk.js';
import type { HandoffEnding, HandoffMessage } from '../handoff/handoff-records.js';
import type { Locales } from '../i18n/locales.js';
import { isLang, type Lang } from '../languages.js';
import type { AnswerEngine, AskResult } from '../retrieval/engine.js';
import { encodeAction, type ButtonAction, type CommandAction } from './actions.js';
import { isCheckButtonValue } from './check-dialog.js';
import { turnStateOf } from './turn-state.js';

/**
 * The person's side of "talk to a person": what will happen and a confirmation, the queue (or,
 * outside the hours or with nobody online, the hours, the contact route and a message a
 * counsellor answers later), quiet mode while the handoff is open (danger words still bring
 * 112 first), `/forget`, and the one-tap "was this helpful?" after the end. The replies and the
 * end reach the person through the channels' delivery (channels/common/handoff-delivery.ts),
 * with the messages made here.
 */

/**
 * Where a Telegram turn keeps the chat's clear id (private chats only), so that a handoff can
 * seal it for a later reply. The bot core otherwise sees keyed ids only.
 */
export const HANDOFF_CHAT_ID = Symbol('handoff chat id');

/** Live handoff as the bot and the channels share it. */
export interface PersonHandoff {
  readonly desk: HandoffDesk;
  /** The Telegram bot's username once its channel has started with live handoff on: offered on the web chat for a later reply. */
  telegramUsername?: string;
}

/** What the bot keeps of a handoff in the user's state: only that one is open, so other turns read nothing more. */
export interface HandoffMark {
  handoff?: string;
}

/** The person as the desk names them: the channel and the id the bot keys their state by (keyed on Telegram). */
export const personOf = (activity: Partial<Activity>): string => `${activity.channelId}/${activity.from?.id}`;
/** The channel's user id back from a person id (to address a web chat reply). */
export const userIdOf = (person: string): string => person.slice(person.indexOf('/') + 1);

const CONTACT_ENTRY = 'contact-iom';

export interface PersonHandoffDeps {
  readonly handoff: PersonHandoff;
  readonly engine: AnswerEngine;
  readonly locales: Locales;
  /** The bot's reply to an answer (an emergency's 112 first, with its buttons). */
  readonly reply: (context: TurnContext, result: AskResult) => Promise<void>;
}

export class PersonHandoffStep {
  constructor(private readonly deps: PersonHandoffDeps) {}

  private get desk(): HandoffDesk {
    return this.deps.handoff.desk;
  }

  private t(lang: Lang, key: string, options?: Record<string, unknown>): string {
    return this.deps.locales.t(lang, key, options);
  }

  /** How this turn's person can be written to later; undefined: live handoff is off here (contact details instead). */
  private reach(context: TurnContext): { chatId?: string; conversation?: string } | undefined {
    const { channelId, conversation } = context.activity;
    if (channelId === 'webchat') return { conversation: conversation.id };
    const chatId = context.turnState.get(HANDOFF_CHAT_ID) as string | undefined;
    if (channelId === 'telegram' && chatId !== undefined && this.desk.keepsChatIds) return { chatId };
    return undefined;
  }

  /** Today's "talk to a person": the contact entry's answer (its placeholders filled from configuration). */
  private contactDetails(lang: Lang): string {
    return this.deps.engine.answerEntry(CONTACT_ENTRY, lang)?.answer ?? this.t(lang, 'answer.contactMissing');
  }

  /** "Talk to a person": what will happen, and a confirmation; where live handoff is off, the contact details. */
  async offer(context: TurnContext, lang: Lang): Promise<void> {
    if (!this.reach(context)) {
      await context.sendActivity(MessageFactory.text(this.contactDetails(lang)));
      return;
    }
    const text = this.t(lang, 'handoff.explain', { days: this.desk.retentionDays });
    await context.sendActivity({
      ...MessageFactory.suggestedActions([
        this.button(this.t(lang, 'handoff.buttonConfirm'), { kind: 'person-confirm', confirmed: true }),
        this.button(this.t(lang, 'handoff.buttonCancel'), { kind: 'person-confirm', confirmed: false }),
      ], text),
      locale: lang,
    });
  }

  /** The answer to the confirmation: into the queue (or a message for later), or back to the bot. */
  async confirm(context: TurnContext, confirmed: boolean, lang: Lang, mark: HandoffMark, recentEntryIds: readonly string[]): Promise<void> {
    const reach = confirmed ? this.reach(context) : undefined;
    if (!confirmed || !reach) {
      await context.sendActivity({ ...MessageFactory.text(confirmed ? this.contactDetails(lang) : this.t(lang, 'handoff.cancelled')), locale: lang });
      return;
    }
    // Asking again (or this turn run again) returns the open handoff.
    const { handoff, opening } = await this.desk.request({
      person: personOf(context.activity),
      channel: context.activity.channelId,
      language: lang,
      recentEntryIds,
      ...reach,
    });
    mark.handoff = handoff.id;
    if (opening.open) {
      await context.sendActivity({ ...MessageFactory.text(await this.status(handoff.id, lang)), locale: lang });
      return;
    }
    const closed = opening.nobodyOnline
      ? this.t(lang, 'handoff.closedNobody')
      : opening.opensAt
          ? this.t(lang, 'handoff.closedHours', { when: this.when(opening.opensAt, lang) })
          : this.t(lang, 'handoff.closedNever');
    const parts = [closed, this.t(lang, 'handoff.leaveMessage'), this.contactDetails(lang)];
    if (context.activity.channelId === 'webchat') {
      parts.push(this.t(lang, 'handoff.webchatLater'));
      const username = this.deps.handoff.telegramUsername;
      if (username) parts.push(this.t(lang, 'handoff.telegramOffer', { link: `https://t.me/${username}` }));
    }
    await context.sendActivity({ ...MessageFactory.text(parts.join('\n\n')), locale: lang });
  }

  /** Where the person stands: their place while waiting, or that a counsellor has it. */
  private async status(id: string, lang: Lang): Promise<string> {
    const place = await this.desk.placeOf(id);
    return place === undefined ? this.t(lang, 'handoff.withCounsellor') : this.t(lang, 'handoff.queued', { place });
  }

  /** The next opening in the person's language and the office's time zone. */
  private when(at: Date, lang: Lang): string {
    const options: Intl.DateTimeFormatOptions = { timeZone: this.desk.timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
    try {
      return new Intl.DateTimeFormat(lang, options).format(at);
    } catch {
      return new Intl.DateTimeFormat('en', options).format(at);
    }
  }

  /**
   * The person's open handoff, if any: only read from the desk when their state says they asked
   * for one (the mark), so other turns cost nothing more. A handoff that ended takes the mark away.
   */
  async openHandoff(context: TurnContext, mark: HandoffMark): Promise<string | undefined> {
    if (!mark.handoff) return undefined;
    const open = await this.desk.openHandoffOf(personOf(context.activity));
    if (open) mark.handoff = open.id;
    else delete mark.handoff;
    return open?.id;
  }

  /**
   * Quiet mode: what the person writes goes to the counsellor (once the turn is stored, so a turn
   * run again does not send it twice) and the bot says nothing, except that danger words
   * still bring 112 first. A language button still works; another button or command (the bot's,
   * not words for the counsellor) says where they stand.
   */
  async whileOpen(context: TurnContext, id: string, text: string, action: CommandAction | undefined, lang: Lang, conversationLang: Lang | undefined, langChosen: boolean): Promise<'handled' | 'act'> {
    if (action?.kind === 'lang' || action?.kind === 'language-menu') return 'act';
    if (action || isCheckButtonValue(text)) {
      await context.sendActivity({ ...MessageFactory.text(await this.status(id, lang)), locale: lang });
      return 'handled';
    }
    if (!text) return 'handled';
    const person = personOf(context.activity);
    turnStateOf(context).onCommitted(async () => {
      await this.desk.personWrites(person, text);
    });
    const result = await this.deps.engine.ask({ text, lang: langChosen ? lang : undefined, conversationLang });
    if (result.kind === 'emergency') await this.deps.reply(context, result);
    return 'handled';
  }

  /** `/forget`: the person's handoffs and transcripts go too; says whether there were any. */
  async forget(context: TurnContext): Promise<boolean> {
    return (await this.desk.forget(personOf(context.activity))) > 0;
  }

  /** The one-tap "was this helpful?" after a handoff: counted once the turn is stored. */
  feedback(context: TurnContext, helpful: boolean, lang: Lang): void {
    turnStateOf(context).onCommitted(() => this.desk.countFeedback(helpful, lang));
  }

  private button(title: string, action: ButtonAction): CardAction {
    return { type: ActionTypes.PostBack, title, value: encodeAction(action) };
  }
}

/** The language a handoff's messages are told in (the desk keeps it as a string). */
const langOf = (language: string): Lang => (isLang(language) ? language : 'en');

/** A counsellor's message as the person sees it: who writes, then the text. */
export function counsellorActivity(locales: Locales, language: string, message: HandoffMessage): Partial<Activity> {
  const lang = langOf(language);
  return { ...MessageFactory.text(`**${locales.t(lang, 'handoff.counsellor')}:** ${message.text}`), locale: lang };
}

/** The end as the person sees it: the bot is back, and a one-tap "was this helpful?". */
export function endedActivities(locales: Locales, language: string, ending: HandoffEnding): Partial<Activity>[] {
  const lang = langOf(language);
  const said = ending === 'idle' || ending === 'expired' ? 'handoff.endedIdle' : 'handoff.ended';
  const button = (title: string, helpful: boolean): CardAction => ({ type: ActionTypes.PostBack, title, value: encodeAction({ kind: 'person-feedback', helpful }) });
  return [
    { ...MessageFactory.text(locales.t(lang, said)), locale: lang },
    { ...MessageFactory.suggestedActions([button(locales.t(lang, 'bot.buttonYes'), true), button(locales.t(lang, 'bot.buttonNo'), false)], locales.t(lang, 'handoff.helpfulPrompt')), locale: lang },
  ];
}
