import path from 'node:path';
import { EVAL_FILE, ROOT } from '../support/paths.js';

/** The shared challenge set, read where it lies (beside the clone, as in CI), never copied into the repository. */
export const CHALLENGE_FILE = path.resolve(ROOT, '..', 'shared', 'eval', 'challenge.yaml');

export interface EvalFloors {
  readonly file: string;
  /** Overall top-1 (acceptable entry answered) at least. */
  readonly top1: number;
  /** Overall top-3 (answered or offered) at least. */
  readonly top3: number;
  /** Share of `none` items given no entry, at least. */
  readonly noneRejected: number;
  /** Share of `smalltalk` items recognised, at least (sets that have some). */
  readonly smalltalkRecognised?: number;
  /** Top-1 of every language, at least. */
  readonly everyLanguageTop1: number;
  /** Confident wrong answers (confidence ≥ 0.8) per item, at most. */
  readonly confidentWrongRate: number;
}

/**
 * The eval floors: CI's regression gate on both evaluation sets (the test "on the evaluation
 * sets" in test/retrieval/engine.test.ts), keyword mode, each question's language detected as
 * `POST /api/ask` without `lang` does. Set to the engine's figures minus about 0.03, so that a
 * change that loses ground fails CI; raise them as the engine improves. Last raised on
 * 2026-12-07 (calibration held out on every way of asking, more romanised and colloquial
 * variants): eval.yaml top-1 0.92, top-3 0.97, none rejected 1.0, weakest language 0.76 (ar),
 * no confident wrong answer; challenge.yaml top-1 0.88, top-3 0.95, none rejected 0.95, small
 * talk 1.0, weakest language 0.79 (fa), no confident wrong answer. Issue 12's targets for
 * challenge.yaml (top-1 0.85, every language 0.75) are met, but borderline items move with any
 * knowledge edit (ps was 0.75 one commit earlier), so the floors stay below them.
 */
export const EVAL_FLOORS: readonly EvalFloors[] = [
  { file: EVAL_FILE, top1: 0.89, top3: 0.94, noneRejected: 0.94, everyLanguageTop1: 0.72, confidentWrongRate: 0.02 },
  { file: CHALLENGE_FILE, top1: 0.84, top3: 0.9, noneRejected: 0.92, smalltalkRecognised: 0.9, everyLanguageTop1: 0.7, confidentWrongRate: 0.02 },
];
