import { ActionTypes, MessageFactory, type CardAction, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { Locales } from '../i18n/locales.js';
import type { Flow } from '../knowledge/flow.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import type { Lang } from '../languages.js';
import type { InsightsStore } from '../storage/insights-store.js';
import { GuidedCheck, type CheckState } from './guided-check.js';
import { turnStateOf } from './turn-state.js';
import { isTypedCommand } from './typed-words.js';

export interface CheckDialogDeps {
  flows: ReadonlyMap<string, Flow>;
  entries: ReadonlyMap<string, KnowledgeEntry>;
  locales: Locales;
  /** Where a running check is kept: the conversation's state, deleted when the check ends. */
  state: StatePropertyAccessor<CheckState | undefined>;
  insights: Pick<InsightsStore, 'countCheckOutcome'>;
  /** The bot's own button for a knowledge entry and for "talk to a person". */
  entryButton(entryId: string, lang: Lang): CardAction | undefined;
  personButton(lang: Lang): CardAction;
}

// Button values: short (Telegram allows 64 bytes of callback data), and unlike any question.
const START = 'chk:start:';
const ANSWER = 'chk:a:';
const BACK = 'chk:back';
const RESTART = 'chk:restart';
const MAX_ENTRY_BUTTONS = 4;

/** Whether a button value is one of a guided check's (channels accept only the bot's own values). */
export function isCheckButtonValue(value: string): boolean {
  return value.startsWith(START) || value.startsWith(ANSWER) || value === BACK || value === RESTART;
}

/**
 * Guided checks inside the shared bot: starts one (a button, `/check`, or a question whose
 * answer is one of the check's trigger entries), asks its questions with buttons, takes answers
 * by button or typed, goes back or restarts, follows a change of language, and ends with the
 * outcome. Anything else typed during a check leaves it (the bot answers that instead).
 */
export class CheckDialog {
  private readonly checks: ReadonlyMap<string, GuidedCheck>;

  constructor(private readonly deps: CheckDialogDeps) {
    this.checks = new Map([...deps.flows].map(([id, flow]) => [id, new GuidedCheck(flow)]));
  }

  /** The buttons that start each check, for the welcome. */
  startButtons(lang: Lang): CardAction[] {
    return [...this.deps.flows.values()].map((flow) => this.button(flow.title[lang], `${START}${flow.id}`));
  }

  /** The check an answer about `entryId` starts, if any. */
  triggeredBy(entryId: string): string | undefined {
    return [...this.deps.flows.values()].find((f) => f.triggers?.includes(entryId))?.id;
  }

  /**
   * Takes the message if it belongs to a check: true when handled. During a check, a message
   * that is not an answer ends the check and is left to the bot.
   */
  async handle(context: TurnContext, text: string, lang: Lang): Promise<boolean> {
    const command = /^\/check(?:\s|$)/i.test(text) ? this.deps.flows.keys().next().value : undefined;
    if (text.startsWith(START) || command) {
      await this.start(context, command ?? text.slice(START.length), lang);
      return true;
    }
    const running = await this.running(context);
    if (!running) {
      // A button of a check that has ended or expired: start that check again.
      if (!text.startsWith('chk:')) return false;
      const flowId = this.deps.flows.keys().next().value;
      if (flowId) await this.start(context, flowId, lang);
      return true;
    }
    const { check, state } = running;
    if (text === BACK || this.typed(text, lang, 'commands.back')) {
      await this.ask(context, check, check.back(state), lang);
      return true;
    }
    if (text === RESTART || this.typed(text, lang, 'commands.restart')) {
      await this.start(context, check.flow.id, lang);
      return true;
    }
    const optionId = text.startsWith(ANSWER) ? text.slice(ANSWER.length) : check.optionForText(state, text, lang);
    const result = optionId === undefined ? undefined : check.answer(state, optionId);
    if (!result) {
      if (text.startsWith('chk:')) {
        await this.ask(context, check, state, lang);
        return true;
      }
      // Not an answer: the person asked something else, and leaves the check.
      await this.deps.state.delete(context);
      return false;
    }
    if ('state' in result) {
      await this.ask(context, check, result.state, lang);
      return true;
    }
    await this.deps.state.delete(context);
    const outcome = check.outcome(result.outcome, result.answers, lang);
    const buttons = [
      ...outcome.entries.slice(0, MAX_ENTRY_BUTTONS).flatMap((id) => this.deps.entryButton(id, lang) ?? []),
      this.deps.personButton(lang),
      this.button(this.deps.locales.t(lang, 'check.again'), `${START}${check.flow.id}`),
    ];
    await context.sendActivity({ ...MessageFactory.suggestedActions(buttons, outcome.text), locale: lang });
    const counted = { flow: check.flow.id, outcome: result.outcome, lang };
    turnStateOf(context).onCommitted(() => this.deps.insights.countCheckOutcome(counted));
    return true;
  }

  /** After a change of language: the current question again, in the new language. */
  async reask(context: TurnContext, lang: Lang): Promise<void> {
    const running = await this.running(context);
    if (running) await this.ask(context, running.check, running.state, lang);
  }

  async start(context: TurnContext, flowId: string, lang: Lang): Promise<void> {
    const check = this.checks.get(flowId);
    if (!check) return;
    await context.sendActivity({ ...MessageFactory.text(check.intro(lang)), locale: lang });
    await this.ask(context, check, check.start(), lang);
  }

  private async running(context: TurnContext): Promise<{ check: GuidedCheck; state: CheckState } | undefined> {
    const state = await this.deps.state.get(context);
    const check = state && this.checks.get(state.flow);
    if (!state || !check) return undefined;
    if (check.isExpired(state)) {
      await this.deps.state.delete(context);
      return undefined;
    }
    return { check, state };
  }

  private async ask(context: TurnContext, check: GuidedCheck, state: CheckState, lang: Lang): Promise<void> {
    await this.deps.state.set(context, state);
    const question = check.question(state, lang);
    const t = (key: string) => this.deps.locales.t(lang, key);
    const buttons = [
      ...question.options.map((o) => this.button(o.label, `${ANSWER}${o.id}`)),
      ...(question.canGoBack ? [this.button(t('check.back'), BACK)] : []),
      this.button(t('check.restart'), RESTART),
    ];
    await context.sendActivity({ ...MessageFactory.suggestedActions(buttons, question.text), locale: lang });
  }

  private typed(text: string, lang: Lang, key: string): boolean {
    return isTypedCommand(this.deps.locales, text, lang, key);
  }

  private button(title: string, value: string): CardAction {
    return { type: ActionTypes.PostBack, title, value };
  }
}
