import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { alignSequences } from '../../src/admin/sequence-diff.js';
import { csrfOf, signInWith, useConsoleServer } from '../support/console-server.js';

const serve = useConsoleServer();
const versionOf = (body: string) => /name="version" value="([^"]+)"/.exec(body)?.[1] ?? '';
const changedLineCount = (before: string, after: string) => alignSequences(before.split('\n'), after.split('\n')).filter((row) => !row.same).length;

describe('publishing from the entry editor', () => {
  it('changes only the edited line of the YAML file when one sentence of an answer changes', async () => {
    const { app, knowledgeDir } = await serve();
    const { cookie } = await signInWith(app);
    const file = path.join(knowledgeDir, 'avrr-cost.yaml');
    const before = await readFile(file, 'utf8');
    const form = await app.inject({ url: '/admin/entries/avrr-cost', headers: { cookie } });
    const answer = (parse(before) as KnowledgeEntry).languages.en.answer;
    const edited = answer.replace('An IOM counsellor confirms', 'An IOM counsellor always confirms');
    expect(edited).not.toBe(answer);
    const saved = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-cost',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), 'languages.en.answer': edited },
    });
    expect(saved.statusCode).toBe(303);
    const after = await readFile(file, 'utf8');
    expect(after).toContain('An IOM counsellor always confirms');
    expect(changedLineCount(before, after)).toBe(1);
  });
});
