import { describe, expect, it } from 'vitest';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { LANGUAGES, type Lang } from '../../src/languages.js';
import { defaultFeatureOptions, eachFeature, foldedWords } from '../../src/retrieval/features.js';
import { HashIds } from '../../src/retrieval/hash-ids.js';
import { fitLogistic, predict } from '../../src/retrieval/logistic.js';
import { QuestionIndex } from '../../src/retrieval/question-index.js';
import { QuestionModel } from '../../src/retrieval/question-model.js';
import { sentencesOf } from '../../src/retrieval/sentences.js';
import { latinToCyrillic } from '../../src/retrieval/transliterate.js';
import { seededRandom } from '../support/seeded-random.js';

/** An entry asked the same way in every language (enough for the model's mechanics). */
function entry(id: string, question: string, variants: string[]): KnowledgeEntry {
  const languages = Object.fromEntries(LANGUAGES.map((lang) => [lang, { status: 'reviewed', question, variants, answer: `About ${id}.` }])) as Record<Lang, KnowledgeEntry['languages'][Lang]>;
  return { id, topic: 'avrr', tags: [], source: ['test'], reviewed: '2026-12-07', languages };
}

const entries = [
  entry('ticket', 'Who pays for the plane ticket home?', ['Do I have to buy the flight ticket myself?', 'ticket money home', 'is the airplane ticket paid for me', 'how much is the flight back']),
  entry('school', 'Can my children go to school after we return?', ['school for my kids back home', 'will my son study at school after return', 'education of children after going back', 'help with school fees at home']),
  entry('doctor', 'Is there medical help after I return?', ['I need a doctor when I am back home', 'medicines after return', 'hospital care back in my country', 'help for my illness after going home']),
];
const outOfScope = { en: ['what is the weather tomorrow', 'who won the football match', 'best cheap phone to buy', 'recipe for a chocolate cake', 'tell me a funny story'] };

/** A text's features as hash → largest kind weight, as the index keeps them. */
function featuresOf(text: string): Map<number, number> {
  const features = new Map<number, number>();
  eachFeature(foldedWords(text), defaultFeatureOptions, (key, weight) => features.set(key, Math.max(weight, features.get(key) ?? 0)));
  return features;
}

describe('features', () => {
  it('hash words, five-letter stems, word pairs and character n-grams without building strings', () => {
    const features = featuresOf('Tickets home');
    // 2 words, 1 stem (tickets), 1 pair, n-grams of "<tickets>" (7+6+5) and "<home>" (4+3+2).
    expect(features.size).toBe(2 + 1 + 1 + 18 + 9);
    expect(featuresOf('TICKETS  home!')).toEqual(features);
    // Short words: no n-gram as long as the marked word ("<a>", "<ab>", "<xyz>" are the words themselves).
    // 3 words, 2 pairs; "<ab>" has two 3-grams, "<xyz>" three 3-grams and two 4-grams.
    expect(featuresOf('a ab xyz').size).toBe(3 + 2 + 2 + 5);
  });

  it('give dense ids to hashes, growing as needed', () => {
    const ids = new HashIds(4);
    const keys = Array.from({ length: 1000 }, (_, i) => (i * 2654435761) >>> 0);
    expect(keys.map((k) => ids.intern(k))).toEqual(keys.map((_, i) => i));
    expect(keys.map((k) => ids.get(k))).toEqual(keys.map((_, i) => i));
    expect(ids.get(12345)).toBe(-1);
    expect(ids.size).toBe(1000);
  });
});

describe('the question index', () => {
  const index = new QuestionIndex(entries.flatMap((e) => [e.languages.en.question, ...e.languages.en.variants].map((text) => ({ text, label: e.id, group: 'en' }))));

  it('matches a message to the entry of its closest way of asking', () => {
    const { matches } = index.query('who pays my flight ticket');
    expect(matches[0]?.label).toBe('ticket');
    expect(matches[0]?.best).toBeGreaterThan(matches[1]?.best ?? 0);
  });

  it('leaves an example out of its own match', () => {
    const example = 0;
    const full = index.query(index.examples[example]?.text ?? '');
    const left = index.queryExample(example);
    expect(full.matches[0]?.best).toBeCloseTo(1, 5);
    expect(full.matches[0]?.example).toBe(example);
    expect(left.matches[0]?.best).toBeLessThan(0.99);
    expect(left.matches.every((m) => m.example !== example)).toBe(true);
  });

  it('scores labels by naive Bayes, and leave-one-out takes the example out of its label', () => {
    const query = index.query('school for the children');
    const scores = index.labelScores(query);
    const best = index.labelNames[scores.indexOf(Math.max(...scores))];
    expect(best).toBe('school');
    const withOwn = index.labelScores(index.queryExample(0));
    const without = index.labelScores(index.queryExample(0), 0);
    const ticket = index.labelNames.indexOf('ticket');
    expect(without[ticket]).toBeLessThan(withOwn[ticket] ?? 0);
  });

  it('tells informative words from the commonest and unknown ones', () => {
    expect(index.profile('ticket zzyzx')).toMatchObject({ words: 2, unknown: 1 });
  });

  it('counts a word only the left-out example has as unknown, as it would be in a new message', () => {
    const small = new QuestionIndex([
      { text: 'ticket home', label: 'ticket', group: 'en' },
      { text: 'airplane ticket', label: 'ticket', group: 'en' },
    ]);
    // "airplane" is in one way of asking only; "ticket" in both.
    expect(small.profile('airplane ticket').unknown).toBe(0);
    expect(small.profile('airplane ticket', true).unknown).toBe(1);
  });
});

describe('the calibration', () => {
  it('fits a probability that rises with a feature that separates the classes', () => {
    const random = seededRandom(3);
    const rows = Array.from({ length: 400 }, () => [random()]);
    const labels = rows.map(([x]) => ((x ?? 0) + (random() - 0.5) * 0.4 > 0.5 ? 1 : 0));
    const model = fitLogistic(rows, labels);
    expect(predict(model, [0.9])).toBeGreaterThan(0.8);
    expect(predict(model, [0.1])).toBeLessThan(0.2);
  });

  it('leaves out a feature whose weight breaks its sign, and refits the rest', () => {
    const random = seededRandom(5);
    const rows = Array.from({ length: 300 }, () => [random(), random()]);
    const labels = rows.map(([a, b]) => ((a ?? 0) - (b ?? 0) > 0 ? 1 : 0));
    const model = fitLogistic(rows, labels, { signs: [1, 1] });
    expect(model.weights[1]).toBe(0);
    expect(model.weights[0]).toBeGreaterThan(0);
  });

  it('gives the knowledge base\'s own question a high probability and out-of-scope messages a low one', () => {
    const model = QuestionModel.train({ entries, outOfScope });
    const asked = model.score('Can my children go to school after we return?');
    expect(asked.entries[0]).toMatchObject({ entryId: 'school' });
    expect(asked.entries[0]?.probability).toBeGreaterThan(0.8);
    const weather = model.score('what is the weather like in Sofia');
    expect(weather.entries[0]?.probability ?? 0).toBeLessThan(0.5);
    expect(weather.likeliest).toBe('none');
  });
});

describe('readings of a message', () => {
  it('reads Bulgarian, Russian and Ukrainian typed in Latin letters back into Cyrillic', () => {
    expect(latinToCyrillic('iskam da se varna vkashti', 'bg')).toBe('искам да се варна вкащи');
    expect(latinToCyrillic('hochu domoy', 'ru')).toBe('хочу домой');
    expect(latinToCyrillic('khochu dodomu', 'uk')).toBe('хочу додому');
  });

  it('splits a long message into the sentences worth scoring alone', () => {
    expect(sentencesOf('Can I go home?')).toEqual([]);
    const story = 'I came here two years ago with my family. We have no money left at all now. Who pays for the flight home? Thanks.';
    expect(sentencesOf(story)).toEqual(['I came here two years ago with my family.', 'We have no money left at all now.', 'Who pays for the flight home?']);
  });
});
