import { encodeAction } from '../../bot/actions.js';
import type { Flow } from '../../knowledge/flow.js';
import type { KnowledgeEntry } from '../../knowledge/schema.js';
import { LANGUAGES, type Lang } from '../../languages.js';

/** What a channel's platform refuses or cuts. Absent fields: no limit. */
export interface ChannelLimits {
  /** Longest value a button can carry back when pressed, in UTF-8 bytes (Telegram's callback data: 64). */
  readonly buttonValueBytes?: number;
  /** Longest text of one message, in UTF-16 code units (JavaScript's `length`; Telegram: 4,096). */
  readonly messageLength?: number;
  /** The channel cuts a longer text into several messages itself; otherwise the platform refuses it. */
  readonly splitsLongMessages?: boolean;
}

/** One thing in the knowledge a channel cannot carry. */
export interface LimitProblem {
  readonly channel: string;
  /** `button`: a button's value is too long (pressing it would fail); `message`: an answer is too long to send. */
  readonly kind: 'button' | 'message';
  /** Where: the entry and language, or the guided check and its step or option. */
  readonly where: string;
  /** The value or text's length against the limit. */
  readonly detail: string;
}

/** The knowledge the checks read: entries and guided checks, and each entry's answer as sent. */
export interface CheckedKnowledge {
  readonly entries: ReadonlyMap<string, KnowledgeEntry>;
  readonly flows: ReadonlyMap<string, Flow>;
  /** The answer the bot sends for an entry in a language (placeholders filled, links added). */
  answerText(entryId: string, lang: Lang): string | undefined;
}

/** A button value and where it comes from. */
interface ButtonValue {
  readonly value: string;
  readonly where: string;
}

// The guided check's button values (src/bot/check-dialog.ts); a test keeps them in step with it.
const CHECK_START = 'chk:start:';
const CHECK_ANSWER = 'chk:a:';

/** Every button value the bot may send that does not depend on the knowledge: languages, help, a person, a check's back and restart. */
export function fixedButtonValues(): ButtonValue[] {
  return [
    ...LANGUAGES.map((lang) => encodeAction({ kind: 'lang', lang })),
    encodeAction({ kind: 'language-menu' }),
    encodeAction({ kind: 'help' }),
    encodeAction({ kind: 'person' }),
    'chk:back',
    'chk:restart',
  ].map((value) => ({ value, where: 'the bot\'s own buttons' }));
}

/** The button values an entry gives: its own button (related questions) and the two feedback buttons. */
export function entryButtonValues(entryId: string): ButtonValue[] {
  const where = `knowledge entry ${entryId}`;
  return [
    encodeAction({ kind: 'entry', entryId }),
    encodeAction({ kind: 'feedback', helpful: true, entryId }),
    encodeAction({ kind: 'feedback', helpful: false, entryId }),
  ].map((value) => ({ value, where }));
}

/** The button values of a guided check: the one that starts it, and one per option of each step. */
export function flowButtonValues(flow: Flow): ButtonValue[] {
  return [
    { value: `${CHECK_START}${flow.id}`, where: `guided check ${flow.id}` },
    ...Object.entries(flow.steps).flatMap(([stepId, step]) =>
      step.options.map((option) => ({ value: `${CHECK_ANSWER}${option.id}`, where: `guided check ${flow.id} › step ${stepId} › option ${option.id}` })),
    ),
  ];
}

function buttonProblems(channel: string, limits: ChannelLimits, values: readonly ButtonValue[]): LimitProblem[] {
  const max = limits.buttonValueBytes;
  if (max === undefined) return [];
  return values.flatMap(({ value, where }) => {
    const bytes = Buffer.byteLength(value, 'utf8');
    return bytes > max ? [{ channel, kind: 'button' as const, where, detail: `button value "${value}" is ${bytes} bytes, over ${max}` }] : [];
  });
}

function messageProblem(channel: string, limits: ChannelLimits, where: string, text: string | undefined): LimitProblem[] {
  const max = limits.messageLength;
  if (max === undefined || limits.splitsLongMessages || text === undefined || text.length <= max) return [];
  return [{ channel, kind: 'message', where, detail: `${text.length} characters, over ${max}, and this channel does not split messages` }];
}

/** What one entry gives a channel that it cannot carry: its buttons' values, its answer in each language. */
export function entryLimitProblems(channel: string, limits: ChannelLimits, entryId: string, knowledge: CheckedKnowledge): LimitProblem[] {
  return [
    ...buttonProblems(channel, limits, entryButtonValues(entryId)),
    ...LANGUAGES.flatMap((lang) => messageProblem(channel, limits, `knowledge entry ${entryId} › ${lang}`, knowledge.answerText(entryId, lang))),
  ];
}

/**
 * Everything in the knowledge a channel cannot carry: every button value the bot may send (the
 * bot's own, each entry's, each guided check's) against the channel's button limit, and every
 * answer and guided-check text against its message length, unless the channel splits long messages.
 */
export function limitProblems(channel: string, limits: ChannelLimits, knowledge: CheckedKnowledge): LimitProblem[] {
  const flowTexts = (flow: Flow) =>
    LANGUAGES.flatMap((lang) => [
      ...Object.entries(flow.steps).map(([stepId, step]) => ({ where: `guided check ${flow.id} › step ${stepId} › ${lang}`, text: step.ask[lang] })),
      ...Object.entries(flow.outcomes).map(([outcomeId, outcome]) => ({ where: `guided check ${flow.id} › outcome ${outcomeId} › ${lang}`, text: outcome.say[lang] })),
    ]);
  return [
    ...buttonProblems(channel, limits, fixedButtonValues()),
    ...[...knowledge.entries.keys()].flatMap((id) => entryLimitProblems(channel, limits, id, knowledge)),
    ...[...knowledge.flows.values()].flatMap((flow) => [
      ...buttonProblems(channel, limits, flowButtonValues(flow)),
      ...flowTexts(flow).flatMap(({ where, text }) => messageProblem(channel, limits, where, text)),
    ]),
  ];
}
