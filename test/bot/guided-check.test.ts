import { describe, expect, it } from 'vitest';
import { CHECK_EXPIRES_MS, GuidedCheck } from '../../src/bot/guided-check.js';
import { smallFlow } from '../support/small-flow.js';

describe('a guided check\'s state machine', () => {
  it('asks each question in the person\'s language and ends with the outcome, the notes of the answers and the closing', () => {
    const check = new GuidedCheck(smallFlow());
    const first = check.start(0);
    expect(check.question(first, 'fa')).toEqual({ text: 'Where to? (fa)', options: [{ id: 'home', label: 'Home (fa)' }, { id: 'unsure', label: 'Not sure (fa)' }], canGoBack: false });
    const second = check.answer(first, 'home', 1);
    expect(second).toEqual({ state: { flow: 'check', step: 'status', answers: ['where:home'], updatedAt: 1 } });
    const end = check.answer((second as { state: typeof first }).state, 'pending');
    expect(end).toEqual({ outcome: 'can-apply', answers: ['where:home', 'status:pending'] });
    expect(check.outcome('can-apply', ['where:home', 'status:pending'], 'ar')).toEqual({
      outcome: 'can-apply',
      text: 'People like you can generally apply (ar)\n\nA counsellor decides (ar)',
      entries: ['avrr-eligibility', 'avrr-pending-asylum'],
    });
    expect(check.outcome('counsellor', ['where:unsure'], 'en').text).toBe('Please talk to a counsellor (en)\n\nAsk IOM (en)\n\nA counsellor decides (en)');
  });

  it('goes back one step, undoing the last answer, and never before the first question', () => {
    const check = new GuidedCheck(smallFlow());
    const start = check.start(0);
    const second = (check.answer(start, 'home', 5) as { state: typeof start }).state;
    expect(check.back(second, 9)).toEqual({ flow: 'check', step: 'where', answers: [], updatedAt: 9 });
    expect(check.back(start)).toBe(start);
  });

  it('takes a typed answer by its words (any case, either the person\'s language or English) or its number, and nothing else', () => {
    const check = new GuidedCheck(smallFlow());
    const start = check.start();
    expect(check.optionForText(start, '  not SURE (fa)!', 'fa')).toBe('unsure');
    expect(check.optionForText(start, 'Home (en)', 'fa')).toBe('home');
    expect(check.optionForText(start, '2', 'fa')).toBe('unsure');
    expect(check.optionForText(start, '3', 'fa')).toBeUndefined();
    expect(check.optionForText(start, 'how much does the flight cost?', 'fa')).toBeUndefined();
    expect(check.answer(start, 'no-such-option')).toBeUndefined();
  });

  it('expires when abandoned', () => {
    const check = new GuidedCheck(smallFlow());
    const state = check.start(1000);
    expect(check.isExpired(state, 1000 + CHECK_EXPIRES_MS)).toBe(false);
    expect(check.isExpired(state, 1001 + CHECK_EXPIRES_MS)).toBe(true);
  });
});
