import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { flowPaths, type Flow } from '../../src/knowledge/flow.js';
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
});
