import { LANGUAGES, type Lang } from '../languages.js';

/** A text in every language. */
export type Translated = Record<Lang, string>;

export interface FlowOption {
  /** Unique within its step (kebab-case): what the bot records, never the user's words. */
  id: string;
  /** The button. */
  label: Translated;
  /** A step id, or an outcome id that ends the check. */
  next: string;
  /** Shown with the outcome when this option was chosen (Markdown). */
  note?: Translated;
  /** Knowledge entries the note points to, offered as buttons with the outcome. */
  entries?: string[];
}

export interface FlowStep {
  ask: Translated;
  options: FlowOption[];
}

export interface FlowOutcome {
  say: Translated;
  entries: string[];
}

/**
 * A guided check (`knowledge/flows/<id>.yaml`): questions with buttons leading to outcomes,
 * data that staff edit, not code. Outcomes are guidance: `closing` says a person decides.
 */
export interface Flow {
  id: string;
  reviewed: string;
  source: string[];
  /** `reviewed` for languages checked by a person, `machine` for machine translations. */
  translations: Record<Lang, 'reviewed' | 'machine'>;
  /** The button that starts the check (in the welcome, for example). */
  title: Translated;
  /** Knowledge entries whose answer also starts the check ("am I eligible?"). */
  triggers?: string[];
  start: string;
  intro: Translated;
  steps: Record<string, FlowStep>;
  outcomes: Record<string, FlowOutcome>;
  closing: Translated;
}

const kebab = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' } as const;
const nonEmpty = { type: 'string', minLength: 1, pattern: '\\S' } as const;
const translated = {
  type: 'object',
  additionalProperties: false,
  required: [...LANGUAGES],
  properties: Object.fromEntries(LANGUAGES.map((lang) => [lang, nonEmpty])),
} as const;
const entryIds = { type: 'array', items: kebab } as const;
/** Flow and option ids travel in button values, which Telegram caps at 64 bytes. */
const shortKebab = { ...kebab, maxLength: 48 } as const;

/** An object with exactly these fields, `required` among them. */
const record = <P extends object>(required: (keyof P & string)[], properties: P) => ({ type: 'object', additionalProperties: false, required, properties }) as const;
/** A non-empty map from kebab-case ids to `value`. */
const byId = <V extends object>(value: V) => ({ type: 'object', minProperties: 1, propertyNames: kebab, additionalProperties: value }) as const;

/** JSON Schema of a flow file; the rules across steps (links, reachability, loops) are in `flowProblems`. */
export const flowFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'reviewed', 'source', 'translations', 'title', 'start', 'intro', 'steps', 'outcomes', 'closing'],
  properties: {
    id: shortKebab,
    reviewed: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    source: { type: 'array', minItems: 1, items: nonEmpty },
    translations: {
      type: 'object',
      additionalProperties: false,
      required: [...LANGUAGES],
      properties: Object.fromEntries(LANGUAGES.map((lang) => [lang, { enum: ['reviewed', 'machine'] }])),
    },
    title: translated,
    triggers: entryIds,
    start: kebab,
    intro: translated,
    steps: byId(record(['ask', 'options'], {
      ask: translated,
      options: {
        type: 'array',
        minItems: 2,
        items: record(['id', 'label', 'next'], { id: shortKebab, label: translated, next: kebab, note: translated, entries: entryIds }),
      },
    })),
    outcomes: byId(record(['say', 'entries'], { say: translated, entries: entryIds })),
    closing: translated,
  },
} as const;

/** Where a problem is, as a dotted field path, and what it is. */
export interface FlowProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * What the schema cannot see: links to nowhere, steps and outcomes no one reaches, loops,
 * repeated option ids, and knowledge entries that do not exist.
 */
export function flowProblems(flow: Flow, entryExists: (id: string) => boolean): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const isStep = (id: string) => Object.hasOwn(flow.steps, id);
  const isOutcome = (id: string) => Object.hasOwn(flow.outcomes, id);
  for (const id of Object.keys(flow.steps)) {
    if (isOutcome(id)) problems.push({ field: `outcomes.${id}`, message: `"${id}" is both a step and an outcome` });
  }
  if (!isStep(flow.start)) problems.push({ field: 'start', message: `no step has the id "${flow.start}"` });

  const checkEntries = (field: string, ids: readonly string[] = []) =>
    ids.forEach((id, i) => {
      if (!entryExists(id)) problems.push({ field: `${field}[${i}]`, message: `no knowledge entry has the id "${id}"` });
    });
  for (const [stepId, step] of Object.entries(flow.steps)) {
    const seen = new Set<string>();
    step.options.forEach((option, i) => {
      const field = `steps.${stepId}.options[${i}]`;
      if (seen.has(option.id)) problems.push({ field: `${field}.id`, message: `repeats the option id "${option.id}"` });
      seen.add(option.id);
      if (!isStep(option.next) && !isOutcome(option.next)) problems.push({ field: `${field}.next`, message: `no step or outcome has the id "${option.next}"` });
      checkEntries(`${field}.entries`, option.entries);
    });
  }
  for (const [outcomeId, outcome] of Object.entries(flow.outcomes)) checkEntries(`outcomes.${outcomeId}.entries`, outcome.entries);
  checkEntries('triggers', flow.triggers);

  // Depth-first from the start: what is reached, and any way back to a step on the current path.
  const reached = new Set<string>();
  const onPath = new Set<string>();
  const visit = (id: string, field: string): void => {
    if (onPath.has(id)) {
      problems.push({ field, message: `leads back to "${id}": the check would go round in a loop` });
      return;
    }
    if (reached.has(id)) return;
    reached.add(id);
    const step = flow.steps[id];
    if (!step) return;
    onPath.add(id);
    step.options.forEach((option, i) => visit(option.next, `steps.${id}.options[${i}].next`));
    onPath.delete(id);
  };
  if (isStep(flow.start)) visit(flow.start, 'start');
  for (const id of Object.keys(flow.steps)) if (!reached.has(id)) problems.push({ field: `steps.${id}`, message: 'no answer leads to this step' });
  for (const id of Object.keys(flow.outcomes)) if (!reached.has(id)) problems.push({ field: `outcomes.${id}`, message: 'no answer leads to this outcome' });
  return problems;
}

/** One way through a flow: the option chosen at each step, and the outcome it reaches. */
export interface FlowPath {
  readonly answers: readonly { step: string; option: string }[];
  readonly outcome: string;
}

/** Every way through a valid flow, from the start to an outcome. */
export function flowPaths(flow: Flow): FlowPath[] {
  const paths: FlowPath[] = [];
  const walk = (stepId: string, answers: FlowPath['answers']): void => {
    for (const option of flow.steps[stepId]?.options ?? []) {
      const taken = [...answers, { step: stepId, option: option.id }];
      if (Object.hasOwn(flow.outcomes, option.next)) paths.push({ answers: taken, outcome: option.next });
      else walk(option.next, taken);
    }
  };
  walk(flow.start, []);
  return paths;
}
