import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/**
 * One evaluation question, as written in an eval file:
 * `{ q, lang?, expect, style? }`. `expect` is an entry id, a list of acceptable entry ids,
 * `none` (no entry must answer: out of scope or too vague) or `smalltalk` (greetings, thanks,
 * questions about the bot). `style` is a free label (`short`, `romanised`, `long`,
 * `code-switched`, `clear`, …); when absent it is inferred (see style.ts).
 */
export interface EvalItem {
  q: string;
  lang?: string;
  expect: string | string[];
  style?: string;
}

/** What an item expects, normalised: acceptable entries, no entry, or small talk. */
export type Expectation =
  | { readonly kind: 'entries'; readonly ids: readonly string[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'smalltalk' };

const RESERVED = new Set(['none', 'smalltalk']);

export function expectationOf(item: Pick<EvalItem, 'expect'>): Expectation {
  if (typeof item.expect === 'string') {
    if (item.expect === 'none') return { kind: 'none' };
    if (item.expect === 'smalltalk') return { kind: 'smalltalk' };
    return { kind: 'entries', ids: [item.expect] };
  }
  return { kind: 'entries', ids: item.expect };
}

/** The entry ids an item would accept (empty for `none` and `smalltalk`). */
export function expectedIds(item: Pick<EvalItem, 'expect'>): readonly string[] {
  const e = expectationOf(item);
  return e.kind === 'entries' ? e.ids : [];
}

/** The problem with one item of an eval file, or undefined when it is well formed. */
export function evalItemProblem(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return 'must be an object { q, lang?, expect, style? }';
  const { q, lang, expect, style, ...rest } = item as Record<string, unknown>;
  if (typeof q !== 'string' || !q.trim()) return '`q` must be a non-empty string';
  if (lang !== undefined && (typeof lang !== 'string' || !lang.trim())) return '`lang` must be a language code';
  if (style !== undefined && (typeof style !== 'string' || !style.trim())) return '`style` must be a non-empty string';
  const expectProblem = '`expect` must be an entry id, a list of entry ids, "none" or "smalltalk"';
  if (typeof expect === 'string') {
    if (!expect.trim()) return expectProblem;
  } else if (Array.isArray(expect)) {
    if (expect.length === 0 || expect.some((id) => typeof id !== 'string' || !id.trim())) return expectProblem;
    if (expect.some((id) => RESERVED.has(id as string))) return '`expect`: "none" and "smalltalk" stand alone, not in a list';
  } else {
    return expectProblem;
  }
  const extra = Object.keys(rest);
  return extra.length > 0 ? `unknown field(s): ${extra.join(', ')}` : undefined;
}

/** Reads and checks an eval file (a YAML list of items); names the item and the problem. */
export async function readEvalFile(file: string): Promise<EvalItem[]> {
  const data: unknown = parse(await readFile(file, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${file}: expected a YAML list of { q, lang?, expect, style? }`);
  data.forEach((item, i) => {
    const problem = evalItemProblem(item);
    if (problem) throw new Error(`${file}: item ${i + 1}: ${problem}`);
  });
  return data as EvalItem[];
}

/**
 * Expected ids that are not in the knowledge base, sorted. They are not an error: such an item
 * simply cannot be answered right (a set may be written before its entries exist).
 */
export function missingIds(items: readonly EvalItem[], knownIds: ReadonlySet<string>): string[] {
  return [...new Set(items.flatMap((item) => expectedIds(item)).filter((id) => !knownIds.has(id)))].sort();
}
