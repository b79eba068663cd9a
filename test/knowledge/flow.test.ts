import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { GuidedCheck } from '../../src/bot/guided-check.js';
import { flowPaths } from '../../src/knowledge/flow.js';
import { all, smallFlow } from '../support/small-flow.js';
import { loadKnowledgeBase, readKnowledgeSources, validateKnowledge } from '../../src/knowledge/load.js';
import { LANGUAGES } from '../../src/languages.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();

/** The shipped knowledge base with one flow file added (or replaced), validated. */
async function problemsWith(flow: unknown, file = 'check.yaml') {
  const sources = (await readKnowledgeSources(KNOWLEDGE_DIR)).filter((s) => !s.file.startsWith('flows/'));
  return validateKnowledge([...sources, { file: `flows/${file}`, text: stringify(flow) }]).problems;
}

describe('guided checks (knowledge/flows/)', () => {
  it('load from the flows folder, and every path from the start reaches an outcome', async () => {
    const dir = path.join(await tempDir(), 'knowledge');
    const { cp } = await import('node:fs/promises');
    await cp(KNOWLEDGE_DIR, dir, { recursive: true });
    await mkdir(path.join(dir, 'flows'), { recursive: true });
    await writeFile(path.join(dir, 'flows', 'check.yaml'), stringify(smallFlow()));
    const kb = await loadKnowledgeBase(dir);
    const flow = kb.flows.get('check');
    expect(flow).toBeDefined();
    expect(flowPaths(flow!).map((p) => [...p.answers.map((a) => a.option), p.outcome].join(' > '))).toEqual([
      'home > pending > can-apply',
      'home > other > counsellor',
      'unsure > counsellor',
    ]);
  });

  it('are refused with the file, the field and the reason: missing translation, empty outcome, link to nowhere, unknown entry, repeated option', async () => {
    const flow = smallFlow() as unknown as { steps: Record<string, { ask: Record<string, string>; options: { id: string; next: string; entries?: string[] }[] }>; outcomes: Record<string, { say: Record<string, string> }> };
    delete flow.steps.where!.ask.fa;
    flow.outcomes.counsellor!.say.ar = ' ';
    flow.steps.status!.options[0]!.next = 'nowhere';
    flow.steps.status!.options[0]!.entries = ['no-such-entry'];
    flow.steps.where!.options[1]!.id = 'home';
    const problems = await problemsWith(flow);
    expect(problems).toEqual(expect.arrayContaining([
      { file: 'flows/check.yaml', field: 'steps.where.ask.fa', message: 'missing language "fa"' },
      { file: 'flows/check.yaml', field: 'outcomes.counsellor.say.ar', message: 'must not be empty' },
    ]));
    // The schema problems stop the file before the cross-step checks: fix them, and those show.
    const linked = smallFlow();
    linked.steps.status!.options[0]!.next = 'nowhere';
    linked.steps.status!.options[0]!.entries = ['no-such-entry'];
    linked.steps.where!.options[1]!.id = 'home';
    expect(await problemsWith(linked)).toEqual(expect.arrayContaining([
      { file: 'flows/check.yaml', field: 'steps.status.options[0].next', message: 'no step or outcome has the id "nowhere"' },
      { file: 'flows/check.yaml', field: 'steps.status.options[0].entries[0]', message: 'no knowledge entry has the id "no-such-entry"' },
      { file: 'flows/check.yaml', field: 'steps.where.options[1].id', message: 'repeats the option id "home"' },
      { file: 'flows/check.yaml', field: 'outcomes.can-apply', message: 'no answer leads to this outcome' },
    ]));
  });

  it('are refused when a step cannot be reached, when answers go round in a loop, or when the id is not the file name', async () => {
    const unreachable = smallFlow();
    unreachable.steps.orphan = { ask: all('Never asked'), options: [{ id: 'a', label: all('A'), next: 'counsellor' }, { id: 'b', label: all('B'), next: 'counsellor' }] };
    expect(await problemsWith(unreachable)).toEqual([{ file: 'flows/check.yaml', field: 'steps.orphan', message: 'no answer leads to this step' }]);

    const loop = smallFlow();
    loop.steps.status!.options[1]!.next = 'where';
    expect(await problemsWith(loop)).toEqual([{ file: 'flows/check.yaml', field: 'steps.status.options[1].next', message: 'leads back to "where": the check would go round in a loop' }]);

    expect(await problemsWith(smallFlow(), 'other-name.yaml')).toEqual([{ file: 'flows/other-name.yaml', field: 'id', message: 'id "check" must equal the file name "other-name"' }]);
  });

  it('ship an eligibility check whose every path reaches an outcome, in every language, with the closing words', async () => {
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    const flow = kb.flows.get('eligibility')!;
    const check = new GuidedCheck(flow);
    const paths = flowPaths(flow);
    expect(paths.length).toBeGreaterThan(10);
    for (const lang of LANGUAGES) {
      for (const path of paths) {
        let state = check.start();
        for (const { step, option } of path.answers) {
          expect(state.step).toBe(step);
          const question = check.question(state, lang);
          expect(question.text.trim(), `${lang} ${step}`).not.toBe('');
          expect(question.options.every((o) => o.label.trim() !== ''), `${lang} ${step}`).toBe(true);
          const next = check.answer(state, option);
          if (next && 'state' in next) state = next.state;
          else expect(next).toMatchObject({ outcome: path.outcome });
        }
        const outcome = check.outcome(path.outcome, path.answers.map((a) => `${a.step}:${a.option}`), lang);
        expect(outcome.text.endsWith(flow.closing[lang]), `${lang} ${path.outcome}`).toBe(true);
        expect(outcome.entries.every((id) => kb.entries.has(id))).toBe(true);
      }
    }
    // A situation the sources do not cover goes to a counsellor, never to a guess.
    expect(paths.filter((p) => p.answers.some((a) => a.step === 'situation' && a.option === 'other')).every((p) => p.outcome === 'counsellor')).toBe(true);
    // It never asks for a name, a document number or an address.
    for (const step of Object.values(flow.steps)) expect(step.ask.en).not.toMatch(/name|number|address|passport/i);
  });
});
