import type { Flow, FlowOption } from '../knowledge/flow.js';
import type { Lang } from '../languages.js';
import { foldText } from '../retrieval/text.js';

/**
 * Where a person is in a guided check: kept in conversation state while the check runs and
 * deleted when it ends. Only option ids, never the person's words.
 */
export interface CheckState {
  readonly flow: string;
  readonly step: string;
  /** The options chosen so far, in order, as `step:option`. */
  readonly answers: readonly string[];
  /** When the last answer came (ms since the epoch): an abandoned check expires. */
  readonly updatedAt: number;
}

/** A question to show: its text and the options as buttons. */
export interface CheckQuestion {
  readonly text: string;
  readonly options: readonly { readonly id: string; readonly label: string }[];
  /** False on the first question (there is nothing to go back to). */
  readonly canGoBack: boolean;
}

/** The end of a check: what to say and which knowledge entries to offer. */
export interface CheckOutcome {
  readonly outcome: string;
  readonly text: string;
  readonly entries: readonly string[];
}

/** An abandoned check is forgotten after this long without an answer. */
export const CHECK_EXPIRES_MS = 30 * 60 * 1000;

/**
 * The state machine of one guided check, driven by its data (`knowledge/flows/<id>.yaml`):
 * start, answer (by button or by typing an option's words or number), back, and the outcome
 * composed from the outcome's text, the notes of the options chosen, and the closing words.
 */
export class GuidedCheck {
  constructor(readonly flow: Flow) {}

  start(now = Date.now()): CheckState {
    return { flow: this.flow.id, step: this.flow.start, answers: [], updatedAt: now };
  }

  isExpired(state: CheckState, now = Date.now()): boolean {
    return now - state.updatedAt > CHECK_EXPIRES_MS || !Object.hasOwn(this.flow.steps, state.step);
  }

  intro(lang: Lang): string {
    return this.flow.intro[lang];
  }

  question(state: CheckState, lang: Lang): CheckQuestion {
    const step = this.flow.steps[state.step];
    return {
      text: step?.ask[lang] ?? '',
      options: (step?.options ?? []).map((o) => ({ id: o.id, label: o.label[lang] })),
      canGoBack: state.answers.length > 0,
    };
  }

  /**
   * The option a typed answer names, in the person's language or English: its label, or its
   * number in the list ("2"). Anything else is not an answer (a new question, perhaps).
   */
  optionForText(state: CheckState, text: string, lang: Lang): string | undefined {
    const options = this.flow.steps[state.step]?.options ?? [];
    const typed = foldText(text).replace(/[\s\p{P}]+/gu, ' ').trim();
    const number = Number(typed);
    if (Number.isInteger(number) && number >= 1 && number <= options.length) return options[number - 1]?.id;
    const same = (label: string) => foldText(label).replace(/[\s\p{P}]+/gu, ' ').trim() === typed;
    return options.find((o) => same(o.label[lang]) || same(o.label.en))?.id;
  }

  /** The next state, or the outcome when the answer ends the check; undefined for an unknown option. */
  answer(state: CheckState, optionId: string, now = Date.now()): { state: CheckState } | { outcome: string; answers: readonly string[] } | undefined {
    const option = this.flow.steps[state.step]?.options.find((o) => o.id === optionId);
    if (!option) return undefined;
    const answers = [...state.answers, `${state.step}:${option.id}`];
    if (Object.hasOwn(this.flow.outcomes, option.next)) return { outcome: option.next, answers };
    return { state: { ...state, step: option.next, answers, updatedAt: now } };
  }

  /** One step back: the previous question, its answer undone. */
  back(state: CheckState, now = Date.now()): CheckState {
    const previous = state.answers.at(-1);
    if (!previous) return state;
    return { ...state, step: previous.split(':')[0] ?? this.flow.start, answers: state.answers.slice(0, -1), updatedAt: now };
  }

  /** The outcome in `lang`: its text, the notes of the options chosen (in order), the closing. */
  outcome(outcomeId: string, answers: readonly string[], lang: Lang): CheckOutcome {
    const outcome = this.flow.outcomes[outcomeId];
    const chosen = answers.flatMap((answer) => {
      const [step, id] = answer.split(':');
      const option = this.flow.steps[step ?? '']?.options.find((o) => o.id === id);
      return option ? [option] : [];
    });
    const notes = chosen.flatMap((o: FlowOption) => (o.note ? [o.note[lang]] : []));
    const entries = [...new Set([...(outcome?.entries ?? []), ...chosen.flatMap((o) => o.entries ?? [])])];
    return {
      outcome: outcomeId,
      text: [outcome?.say[lang] ?? '', ...notes, this.flow.closing[lang]].filter(Boolean).join('\n\n'),
      entries,
    };
  }
}
