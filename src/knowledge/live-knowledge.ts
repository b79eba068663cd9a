import { LANGUAGES, type Lang } from '../languages.js';
import type { Flow } from './flow.js';
import type { KnowledgeBase } from './load.js';
import type { ContactsFile, GlossaryFile, KnowledgeEntry } from './schema.js';

/** What changed in the knowledge in service, as announced to its subscribers. */
export type KnowledgeChange =
  /** An entry was published, new or edited: `entries.get(id)` has it now. */
  | { readonly kind: 'entry-upserted'; readonly id: string }
  /** An entry was deleted: `entries` no longer has it. */
  | { readonly kind: 'entry-removed'; readonly id: string }
  /** The out-of-scope examples were replaced: `outOfScope` has the new ones. */
  | { readonly kind: 'out-of-scope-changed' };

export type KnowledgeListener = (change: KnowledgeChange) => void;

/**
 * The knowledge in service: the published entries, contacts, guided checks, out-of-scope
 * examples and glossary, as validated at start-up and changed since by publishing (the staff
 * console, another instance through KnowledgeSync, `kb:import`). It holds and announces; it
 * indexes nothing. Whatever learns from the knowledge subscribes with `onChange`: the answer
 * engine (keyword index and question model), the model manager (embeddings).
 *
 * `entries` and `flows` are the same maps for the life of the process, changed in place, so a
 * reader may keep them. `outOfScope` is replaced whole: read it when needed. Contacts, guided
 * checks and the glossary stay as loaded at start-up (a change to them needs a restart).
 */
export class LiveKnowledge implements KnowledgeBase {
  readonly contacts: ContactsFile;
  readonly flows: ReadonlyMap<string, Flow>;
  readonly glossary: GlossaryFile;
  private readonly published: Map<string, KnowledgeEntry>;
  private examples: Readonly<Record<Lang, readonly string[]>>;
  private readonly listeners: KnowledgeListener[] = [];

  /** Starts from a validated knowledge base (or another LiveKnowledge), copied: later changes to either are not shared. */
  constructor(base: KnowledgeBase) {
    this.published = new Map(base.entries);
    this.contacts = base.contacts;
    this.flows = base.flows;
    this.glossary = base.glossary;
    this.examples = frozenExamples(base.outOfScope);
  }

  /** Entries by id: in file-name order as loaded, entries published since at the end. */
  get entries(): ReadonlyMap<string, KnowledgeEntry> {
    return this.published;
  }

  /** Questions no entry answers, per language. */
  get outOfScope(): Readonly<Record<Lang, readonly string[]>> {
    return this.examples;
  }

  /** Puts a new or edited entry (validated, as publishing does) into service, and announces it. */
  upsertEntry(entry: KnowledgeEntry): void {
    this.published.set(entry.id, entry);
    this.announce({ kind: 'entry-upserted', id: entry.id });
  }

  /** Takes an entry out of service and announces it; nothing happens when no entry has that id. */
  removeEntry(id: string): void {
    if (!this.published.delete(id)) return;
    this.announce({ kind: 'entry-removed', id });
  }

  /** Replaces the out-of-scope examples (validated, as publishing `out-of-scope.yaml` does), and announces it. */
  replaceOutOfScope(examples: Readonly<Record<Lang, readonly string[]>>): void {
    this.examples = frozenExamples(examples);
    this.announce({ kind: 'out-of-scope-changed' });
  }

  /**
   * Calls `listener` after every change, synchronously, in the order of subscription (so an
   * index subscribed first is up to date when later listeners run). Returns the unsubscribe.
   */
  onChange(listener: KnowledgeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Every listener hears of the change, even when one of them throws; then the first error is thrown. */
  private announce(change: KnowledgeChange): void {
    const errors: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} knowledge listeners failed on ${change.kind}`);
  }
}

function frozenExamples(examples: Readonly<Record<Lang, readonly string[]>>): Readonly<Record<Lang, readonly string[]>> {
  return Object.freeze(Object.fromEntries(LANGUAGES.map((lang) => [lang, Object.freeze([...(examples[lang] ?? [])])])) as Record<Lang, readonly string[]>);
}
