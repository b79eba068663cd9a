import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isNode, isScalar, isSeq, parse, parseDocument, Scalar, type Pair, type ToStringOptions } from 'yaml';
import { orderedEntry, type KnowledgeEntry } from '../knowledge/schema.js';
import { alignSequences } from './sequence-diff.js';

/** How the knowledge files are written: no line folding, `[a, b]` without inner padding. */
const WRITE_OPTIONS: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false };

/**
 * An entry's file text. With the file's current text, that text changed only where the entry
 * changed: the yaml library's Document API keeps comments, key order, quoting and block styles,
 * so a one-sentence edit changes one line; lines the edit did not touch keep even the spacing
 * the library would write otherwise (see `keepUntouchedLines`). A new file (or one that does not
 * parse) is written in the knowledge base's own style (see `houseStyle`).
 */
export function entryFileText(entry: KnowledgeEntry, current = ''): string {
  const value = orderedEntry(entry);
  const doc = current ? parseDocument(current) : undefined;
  if (!doc || doc.errors.length > 0 || !isMap(doc.contents)) {
    const fresh = new Document();
    fresh.contents = created(fresh, value, []) as typeof fresh.contents;
    return fresh.toString(WRITE_OPTIONS);
  }
  const untouched = doc.toString(WRITE_OPTIONS);
  doc.contents = updated(doc, doc.contents, value, []) as typeof doc.contents;
  const edited = doc.toString(WRITE_OPTIONS);
  if (untouched === current) return edited;
  const merged = keepUntouchedLines(current, untouched, edited);
  // The merge works on lines, not on YAML: it is kept only if it means what the edit means.
  return meansTheSame(merged, edited) ? merged : edited;
}

function meansTheSame(text: string, reference: string): boolean {
  try {
    return isDeepStrictEqual(parse(text), parse(reference));
  } catch {
    return false;
  }
}

/**
 * `edited` (the library's writing of the edited document) with the original's own lines where
 * the edit left them alone. `untouched` is the library's writing of the original: aligned with
 * the original it tells which original lines each written line stands for (a block, when the
 * library wrote a few lines differently), and aligned with `edited` which written lines the
 * edit kept. A block whose lines were all kept is the original's text again.
 */
function keepUntouchedLines(current: string, untouched: string, edited: string): string {
  const original = current.split('\n');
  const before = untouched.split('\n');
  const after = edited.split('\n');
  // Blocks of the original and of `before` that stand for each other: a line the library wrote
  // as it was, or the lines between two such (written differently, or dropped).
  interface Block { original: number[]; before: number[]; exact: boolean; touched: boolean }
  const blocks: Block[] = [];
  let gap: Block | undefined;
  for (const row of alignSequences(original, before)) {
    if (row.same) {
      gap = undefined;
      blocks.push({ original: [row.a!], before: [row.b!], exact: true, touched: false });
    } else {
      if (!gap) blocks.push((gap = { original: [], before: [], exact: false, touched: false }));
      if (row.a !== undefined) gap.original.push(row.a);
      if (row.b !== undefined) gap.before.push(row.b);
    }
  }
  const blockOf = new Array<number>(before.length);
  blocks.forEach((block, i) => block.before.forEach((j) => (blockOf[j] = i)));

  // Each row of the edit in its block; a line added between two blocks is in none, and makes a
  // neighbour the library wrote differently its own writing too (else indentation could clash).
  const rows = alignSequences(before, after);
  const nextBefore = new Array<number | undefined>(rows.length);
  for (let i = rows.length - 1, next: number | undefined; i >= 0; i--) {
    nextBefore[i] = next;
    if (rows[i]!.a !== undefined) next = rows[i]!.a;
  }
  let previous: number | undefined;
  const blockOfRow = rows.map((row, i) => {
    if (row.a !== undefined) {
      previous = row.a;
      return blockOf[row.a]!;
    }
    const next = nextBefore[i];
    const [prevBlock, nextBlock] = [previous === undefined ? undefined : blockOf[previous], next === undefined ? undefined : blockOf[next]];
    if (prevBlock !== undefined && prevBlock === nextBlock) return prevBlock;
    for (const b of [prevBlock, nextBlock]) if (b !== undefined && !blocks[b]!.exact) blocks[b]!.touched = true;
    return undefined;
  });
  rows.forEach((row, i) => {
    const block = blockOfRow[i];
    if (block !== undefined && !row.same) blocks[block]!.touched = true;
  });

  const out: string[] = [];
  let emitted = -1;
  rows.forEach((row, i) => {
    const block = blockOfRow[i];
    if (block === undefined) {
      out.push(after[row.b!]!);
      return;
    }
    // A block's first row: the blocks before it with no written line go out first.
    for (; emitted < block; emitted++) {
      const next = blocks[emitted + 1]!;
      if (emitted + 1 === block) {
        if (!next.touched) for (const k of next.original) out.push(original[k]!);
      } else if (next.before.length === 0) for (const k of next.original) out.push(original[k]!);
    }
    if (blocks[block]!.touched && row.b !== undefined) out.push(after[row.b]!);
  });
  for (; emitted < blocks.length - 1; emitted++) {
    const next = blocks[emitted + 1]!;
    if (next.before.length === 0) for (const k of next.original) out.push(original[k]!);
  }
  return out.join('\n');
}

const plain = (node: unknown): unknown => (isNode(node) ? node.toJSON() : node);
const keyOf = (pair: Pair) => String(plain(pair.key));

/** `node` made to hold `value`, changing as little of it as it can; a new node where the kind differs. */
function updated(doc: Document, node: unknown, value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) {
    if (!isSeq(node)) return created(doc, value, path);
    const items = node.items;
    const rows = alignSequences(items.map((item) => JSON.stringify(plain(item))), value.map((v) => JSON.stringify(v)));
    node.items = rows.flatMap((row) => {
      if (row.b === undefined) return [];
      if (row.a === undefined) return [likeSiblings(created(doc, value[row.b], [...path, '-']), items)];
      return [row.same ? items[row.a] : updated(doc, items[row.a], value[row.b], [...path, '-'])];
    });
    return node;
  }
  if (value !== null && typeof value === 'object') {
    if (!isMap(node)) return created(doc, value, path);
    const wanted = Object.entries(value).filter(([, v]) => v !== undefined);
    const keys = new Set(wanted.map(([k]) => k));
    node.items = node.items.filter((pair) => keys.has(keyOf(pair)));
    wanted.forEach(([key, inner], index) => {
      const pair = node.items.find((p) => keyOf(p) === key);
      if (pair) {
        pair.value = updated(doc, pair.value, inner, [...path, key]);
        return;
      }
      // A new key goes after the one before it in the schema's order.
      const before = wanted.slice(0, index).map(([k]) => k);
      let at = 0;
      node.items.forEach((p, i) => {
        if (before.includes(keyOf(p))) at = i + 1;
      });
      node.items.splice(at, 0, doc.createPair(key, created(doc, inner, [...path, key])));
    });
    return node;
  }
  if (isScalar(node)) {
    if (node.value !== value) node.value = value;
    return node;
  }
  return created(doc, value, path);
}

/** A new list item quoted as the list's others are (some files write ways of asking unquoted). */
function likeSiblings(node: unknown, siblings: readonly unknown[]): unknown {
  const sibling = siblings.find(isScalar);
  if (isScalar(node) && sibling && typeof sibling.value === 'string' && typeof node.value === 'string') node.type = sibling.type;
  return node;
}

/** A node for a value the file does not have yet, in the knowledge base's style. */
function created(doc: Document, value: unknown, path: readonly string[]): unknown {
  const node = doc.createNode(value);
  houseStyle(node, path);
  return node;
}

/**
 * The knowledge files' style: tags and related ids as `[a, b]`, answers as literal blocks,
 * questions, ways of asking and sources in double quotes, the rest plain.
 */
function houseStyle(node: unknown, path: readonly string[]): void {
  if (isSeq(node)) {
    if (path[0] === 'tags' || path[0] === 'related') node.flow = true;
    node.items.forEach((item) => houseStyle(item, [...path, '-']));
  } else if (isMap(node)) {
    for (const pair of node.items) houseStyle(pair.value, [...path, keyOf(pair)]);
  } else if (isScalar(node) && typeof node.value === 'string') {
    const field = path.filter((p) => p !== '-').at(-1);
    if (field === 'answer') node.type = Scalar.BLOCK_LITERAL;
    else if (field === 'question' || field === 'variants' || field === 'romanised' || field === 'source') node.type = Scalar.QUOTE_DOUBLE;
  }
}
