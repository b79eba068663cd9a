import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  atRejection, engineSystem, evaluate, figures, reliability, runEval, score,
  type EvalOutcome, type SystemAnswer,
} from '../../src/eval/evaluate.js';
import { expectationOf, missingIds, readEvalFile, type EvalItem } from '../../src/eval/items.js';
import { overlapWithKnowledge } from '../../src/eval/overlap.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { loadAnswerEngine } from '../../src/retrieval/load-engine.js';
import { testConfig } from '../support/engine.js';
import { useTempDir } from '../support/temp-dir.js';
import { SMALL_ENTRIES, writeSmallKnowledge } from './small-knowledge.js';

const tempDir = useTempDir();

const answer = (over: Partial<SystemAnswer>): SystemAnswer => ({ kind: 'answer', entryId: null, confidence: 0.9, suggestions: [], ...over });

describe('scoring one reply', () => {
  it('accepts any id of a list, as the answer (top-1) or a suggestion (top-3)', () => {
    const e = expectationOf({ expect: ['avrr-stranded', 'avrr-cost'] });
    expect(score(e, answer({ entryId: 'avrr-cost' }))).toMatchObject({ ok: true, top3: true, confidentWrong: false });
    expect(score(e, answer({ entryId: 'avrr-timeline', suggestions: ['avrr-stranded'] }))).toMatchObject({ ok: false, top3: true, confidentWrong: true });
    expect(score(e, answer({ kind: 'fallback', confidence: 0.95, suggestions: ['avrr-cost'] }))).toMatchObject({ ok: false, top3: true, answered: false, confidentWrong: false });
  });

  it('counts an emergency reply as emergency-help', () => {
    const e = expectationOf({ expect: 'emergency-help' });
    expect(score(e, answer({ kind: 'emergency', entryId: null, confidence: 1 })).ok).toBe(true);
    // …and as a confident wrong answer where no emergency was expected.
    expect(score(expectationOf({ expect: 'trafficking-help' }), answer({ kind: 'emergency', entryId: 'emergency-help', confidence: 1 }))).toMatchObject({ ok: false, confidentWrong: true });
  });

  it('rejects a none item with a fallback, small talk or a clarifying question, never with an entry', () => {
    const none = expectationOf({ expect: 'none' });
    for (const kind of ['fallback', 'smalltalk', 'clarify']) expect(score(none, answer({ kind, entryId: null })).ok, kind).toBe(true);
    expect(score(none, answer({ entryId: 'avrr-cost', confidence: 0.79 }))).toMatchObject({ ok: false, confidentWrong: false });
    expect(score(none, answer({ entryId: 'avrr-cost', confidence: 0.8 }))).toMatchObject({ ok: false, confidentWrong: true });
  });

  it('wants small talk for a smalltalk item', () => {
    const talk = expectationOf({ expect: 'smalltalk' });
    expect(score(talk, answer({ kind: 'smalltalk', entryId: null, confidence: 1 })).ok).toBe(true);
    expect(score(talk, answer({ kind: 'fallback', entryId: null })).ok).toBe(false);
    expect(score(talk, answer({ entryId: 'avrr-change-mind', confidence: 1 })).confidentWrong).toBe(true);
  });
});

function outcome(expect: EvalItem['expect'], a: SystemAnswer, extra: Partial<EvalOutcome> = {}): EvalOutcome {
  const item = { q: 'q', lang: 'en', expect };
  const expectation = expectationOf(item);
  return { item, expectation, style: 'clear', lang: 'en', answer: a, ms: 1, ...score(expectation, a), ...extra };
}

describe('figures and the reliability table', () => {
  const outcomes = [
    outcome('a', answer({ entryId: 'a', confidence: 0.95 })), // right, 0.9–1
    outcome('a', answer({ entryId: 'b', confidence: 0.91 })), // confident wrong, 0.9–1
    outcome('a', answer({ entryId: 'a', confidence: 0.55 })), // right, 0.5–0.6
    outcome('none', answer({ kind: 'fallback', confidence: 0.2 })), // rejected, not answered
    outcome('none', answer({ entryId: 'c', confidence: 1 })), // answered a none item: wrong, 0.9–1 (1 falls in the last bin)
    outcome('smalltalk', answer({ kind: 'smalltalk', confidence: 1 })), // recognised
  ];

  it('splits items into entry, none and smalltalk items', () => {
    expect(figures(outcomes)).toMatchObject({
      n: 6, nInScope: 3, nNone: 2, nSmalltalk: 1,
      top1: 0.667, top3: 0.667, noneRejected: 0.5, smalltalkRecognised: 1,
      confidentWrong: 2, confidentWrongRate: 0.333, accuracy: 0.667,
    });
  });

  it('bins answered items by confidence and computes the expected calibration error', () => {
    const r = reliability(outcomes);
    expect(r.answered).toBe(4);
    expect(r.bins).toHaveLength(10);
    expect(r.bins.map((b) => b.n)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 3]);
    expect(r.bins[9]).toMatchObject({ from: 0.9, to: 1, meanConfidence: 0.953, accuracy: 0.333 });
    // ECE = 1/4 · |1 − 0.55| + 3/4 · |1/3 − 0.9533|
    expect(r.ece).toBeCloseTo(0.25 * 0.45 + 0.75 * Math.abs(1 / 3 - 2.86 / 3), 3);
  });

  it('compares systems at one out-of-scope rejection: the lowest threshold that rejects that share', () => {
    // The none item answered at 1 can only be rejected by answering nothing; the one at 0.6 is, from the next confidence up (0.65).
    const liberal = [
      outcome('a', answer({ entryId: 'a', confidence: 0.95 })),
      outcome('a', answer({ entryId: 'a', confidence: 0.7 })),
      outcome('a', answer({ entryId: 'b', confidence: 0.65 })),
      outcome('none', answer({ entryId: 'c', confidence: 0.6 })),
      outcome('none', answer({ kind: 'fallback', confidence: 0.3 })),
      outcome('none', answer({ entryId: 'd', confidence: 1 })),
    ];
    expect(atRejection(liberal, 0.3)).toMatchObject({ threshold: 0, top1: 0.667, noneRejected: 0.333 });
    expect(atRejection(liberal, 0.6)).toMatchObject({ threshold: 0.65, top1: 0.667, noneRejected: 0.667 });
    expect(atRejection(liberal, 0.9)).toMatchObject({ threshold: null, top1: 0, noneRejected: 1 });
  });

  it('has no ECE without answered items', () => {
    expect(reliability([outcome('none', answer({ kind: 'fallback' }))])).toMatchObject({ answered: 0, ece: null });
  });
});

describe('eval files', () => {
  async function fileWith(yaml: string): Promise<string> {
    const file = path.join(await tempDir(), 'eval.yaml');
    await writeFile(file, yaml);
    return file;
  }

  it('reads ids, lists of ids, none, smalltalk and a style', async () => {
    const items = await readEvalFile(await fileWith([
      '- { q: "a", lang: en, expect: avrr-cost }',
      '- { q: "b", expect: [avrr-stranded, avrr-cost], style: long }',
      '- { q: "c", lang: fr, expect: none }',
      '- { q: "d", lang: fr, expect: smalltalk }',
    ].join('\n')));
    expect(items.map(expectationOf)).toEqual([
      { kind: 'entries', ids: ['avrr-cost'] },
      { kind: 'entries', ids: ['avrr-stranded', 'avrr-cost'] },
      { kind: 'none' },
      { kind: 'smalltalk' },
    ]);
  });

  it('names the item and the problem', async () => {
    await expect(readEvalFile(await fileWith('- { q: "a", expect: [] }'))).rejects.toThrow(/item 1: `expect` must be an entry id, a list of entry ids/);
    await expect(readEvalFile(await fileWith('- { q: "a", expect: x }\n- { q: "b", expect: [x, none] }'))).rejects.toThrow(/item 2: `expect`: "none" and "smalltalk" stand alone/);
    await expect(readEvalFile(await fileWith('- { q: "a", expect: x, colour: red }'))).rejects.toThrow(/unknown field\(s\): colour/);
    await expect(readEvalFile(await fileWith('- { q: "a", expect: x, style: "" }'))).rejects.toThrow(/`style` must be a non-empty string/);
  });

  it('lists the expected ids the knowledge base does not have', () => {
    const items: EvalItem[] = [{ q: 'a', expect: ['x', 'y'] }, { q: 'b', expect: 'z' }, { q: 'c', expect: 'none' }, { q: 'd', expect: 'x' }];
    expect(missingIds(items, new Set(['y']))).toEqual(['x', 'z']);
  });
});

describe('the engine on a small knowledge base', () => {
  it('scores each reply, counts an id the knowledge base lacks as a miss, and groups by language and style', async () => {
    const knowledgeDir = await writeSmallKnowledge(await tempDir());
    const { engine } = await loadAnswerEngine(testConfig({ KNOWLEDGE_DIR: knowledgeDir }));
    const items: EvalItem[] = [
      ...Object.entries(SMALL_ENTRIES).map(([id, t]) => ({ q: t.question, lang: 'en', expect: id })),
      { q: SMALL_ENTRIES['library-card'].question, lang: 'fr', expect: ['no-such-entry', 'library-card'] },
      { q: SMALL_ENTRIES['swimming-pool'].question, lang: 'en', expect: 'no-such-entry' },
      { q: 'What is the capital of Mongolia and how many people live there?', lang: 'en', expect: 'none', style: 'trivia' },
    ];
    const known = new Set((await loadKnowledgeBase(knowledgeDir)).entries.keys());
    expect(missingIds(items, known)).toEqual(['no-such-entry']);

    const { report, outcomes } = await runEval(engine, items);
    for (const o of outcomes) {
      const a = o.answer;
      const claimed = a.kind === 'emergency' ? 'emergency-help' : a.entryId;
      const e = o.expectation;
      expect(o.ok, o.item.q).toBe(e.kind === 'entries' ? claimed !== null && e.ids.includes(claimed) : e.kind === 'none' ? claimed === null : a.kind === 'smalltalk');
    }
    // The engine answers (or offers) each entry for its own question, and never the missing one.
    expect(outcomes.slice(0, 3).every((o) => o.top3)).toBe(true);
    expect(outcomes[4]).toMatchObject({ ok: false, top3: false });
    expect(Object.keys(report.byLang)).toEqual(['en', 'fr']);
    expect(report.byLang.fr).toMatchObject({ n: 1, nInScope: 1 });
    // English words in an item said to be French: code-switched; a style of the item's own comes last.
    expect(Object.keys(report.byStyle)).toEqual(['code-switched', 'clear', 'trivia']);
    expect(report.overall).toMatchObject({ n: 6, nInScope: 5, nNone: 1, nSmalltalk: 0 });
    expect(report.reliability.answered).toBe(outcomes.filter((o) => o.answered).length);
    expect(report.reliability.bins.reduce((sum, b) => sum + b.n, 0)).toBe(report.reliability.answered);
  });

  it('asks every system every question, taking turns', async () => {
    const knowledgeDir = await writeSmallKnowledge(await tempDir());
    const { engine } = await loadAnswerEngine(testConfig({ KNOWLEDGE_DIR: knowledgeDir }));
    // Three systems, each the real engine, noting the order in which they are asked.
    const calls: string[] = [];
    const noted = (name: string) => {
      const system = engineSystem(engine);
      const ask = (text: string, lang: string | undefined) => {
        calls.push(`${name}:${text}:${lang ?? '-'}`);
        return system.ask(text, lang);
      };
      return { name, label: name, ask };
    };
    const items: EvalItem[] = [{ q: 'one', lang: 'en', expect: 'none' }, { q: 'two', lang: 'fr', expect: 'none' }];
    const runs = await evaluate(items, [noted('a'), noted('b'), noted('c')], { detect: true });
    expect(runs.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual(['a:one:-', 'b:one:-', 'c:one:-', 'c:two:-', 'b:two:-', 'a:two:-']);
    expect(runs.every((r) => r.outcomes.length === 2)).toBe(true);
    // Same engine, same replies.
    expect(runs[1]!.outcomes.map((o) => o.answer.entryId)).toEqual(runs[0]!.outcomes.map((o) => o.answer.entryId));
  });
});

describe('eval questions the knowledge base holds word for word', () => {
  it('are found in questions, variants and out-of-scope examples, in any word order and case', async () => {
    const knowledge = await loadKnowledgeBase(await writeSmallKnowledge(await tempDir()));
    const outOfScope = { ...knowledge.outOfScope, en: ['tell me a joke'] };
    const items: EvalItem[] = [
      { q: 'When is the SWIMMING pool open', lang: 'en', expect: 'swimming-pool' },
      { q: 'open is the pool swimming when?', lang: 'en', expect: 'swimming-pool' },
      { q: 'Tell me a joke!', lang: 'en', expect: 'none' },
      { q: 'when does the swimming pool open', lang: 'en', expect: 'swimming-pool' },
    ];
    expect(overlapWithKnowledge(items, { entries: knowledge.entries, outOfScope }).map((o) => [o.item.q, o.where])).toEqual([
      ['When is the SWIMMING pool open', 'swimming-pool.en'],
      ['open is the pool swimming when?', 'swimming-pool.en'],
      ['Tell me a joke!', 'out-of-scope.en'],
    ]);
  });
});
