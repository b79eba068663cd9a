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

describe('the entry editor page', () => {
  it("runs its preview script from the console's own origin and nothing inline, and opens on the language asked for", async () => {
    const { app } = await serve();
    const { cookie } = await signInWith(app);
    const form = await app.inject({ url: '/admin/entries/avrr-cost?view=ps', headers: { cookie } });
    expect(form.headers['content-security-policy']).toBe("default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; script-src 'self'");
    expect([...form.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="/admin/entry-editor.js" defer>']);
    expect(form.body).toContain('<option value="ps" selected>');
    expect(form.body).toContain('<textarea id="languages.ps.answer" name="languages.ps.answer" rows="12" data-preview="preview-ps">');
    expect(form.body).toContain('<div class="bubble" id="preview-ps" role="region" aria-labelledby="preview-ps-label"></div>');
    const script = await app.inject({ url: '/admin/entry-editor.js', headers: { cookie } });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // The widget's renderer is in the bundle (its safe-link check), not a second one.
    expect(script.body).toContain('mailto:');
    expect(script.body).toContain('data-preview');
    // Pages without the script keep the console's CSP as it was.
    expect((await app.inject({ url: '/admin', headers: { cookie } })).headers['content-security-policy']).not.toContain('script-src');
    expect((await app.inject({ url: '/admin/entry-editor.js' })).headers.location).toBe('/admin/login');
  });

  it('after a refused publish shows the language with the problem beside English, whatever was chosen before', async () => {
    const { app } = await serve();
    const { cookie } = await signInWith(app);
    const form = await app.inject({ url: '/admin/entries/avrr-family?view=fa', headers: { cookie } });
    const refused = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-family',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), view: 'fa', 'languages.ps.question': '  ' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('<option value="ps" selected>');
    const both = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-family',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), view: 'fa', 'languages.ps.question': '  ', 'languages.uk.answer': '' },
    });
    expect(both.body).toContain('<option value="all" selected>');
    const kept = await app.inject({
      method: 'POST',
      url: '/admin/entries/avrr-family',
      headers: { cookie },
      payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), view: 'fa', 'languages.fa.question': '  ' },
    });
    expect(kept.body).toContain('<option value="fa" selected>');
  });
});

describe("an entry's history", () => {
  it('says who changed which fields and when, shows each change side by side with the changed part marked, and restores the shipped text exactly', async () => {
    const { app, knowledgeDir } = await serve();
    const { cookie } = await signInWith(app);
    const file = path.join(knowledgeDir, 'avrr-transit.yaml');
    const shipped = await readFile(file, 'utf8');
    const entry = parse(shipped) as KnowledgeEntry;
    const publish = async (fields: Record<string, string>) => {
      const form = await app.inject({ url: '/admin/entries/avrr-transit', headers: { cookie } });
      const saved = await app.inject({ method: 'POST', url: '/admin/entries/avrr-transit', headers: { cookie }, payload: { _csrf: csrfOf(form.body), version: versionOf(form.body), ...fields } });
      expect(saved.statusCode).toBe(303);
    };
    const sentence = 'پرواز شما را کارکنان IOM همراهی می‌کنند.';
    await publish({ 'languages.fa.answer': `${entry.languages.fa.answer.trim()}\n\n${sentence}` });
    await publish({ tags: [...entry.tags, 'escort-checked'].join(', '), 'languages.en.question': `${entry.languages.en.question} (checked)` });

    const history = await app.inject({ url: '/admin/entries/avrr-transit/history', headers: { cookie } });
    expect(history.statusCode).toBe(200);
    const rows = [...history.body.matchAll(/<tr>\s*<td>([\d-]+ [\d:]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => ({ who: m[2], action: m[3]!.trim(), what: m[4] }));
    expect(rows).toEqual([
      { who: 'maria@example.org', action: 'published (current)', what: 'tags · en: question' },
      { who: 'maria@example.org', action: 'published', what: 'fa: answer' },
    ]);

    // The older change, side by side: the new Farsi lines on the right only, the rest folded away.
    const change = await app.inject({ url: '/admin/entries/avrr-transit/history/1', headers: { cookie } });
    expect(change.statusCode).toBe(200);
    expect(change.body).toContain('<table class="diff">');
    expect(change.body).toMatch(/<tr class="added">[\s\S]*?<ins>\s*<\/ins>/);
    expect(change.body).toContain(`<ins>      ${sentence}</ins>`);
    expect(change.body).toMatch(/unchanged line\(s\)/);
    // The newer one: the question's line paired with its new text, the added words marked.
    const newer = await app.inject({ url: '/admin/entries/avrr-transit/history/0', headers: { cookie } });
    expect(newer.body).toContain('<tr class="changed">');
    expect(newer.body).toContain('<mark> (checked)</mark>');
    expect(newer.body).toContain('<mark>, escort-checked</mark>');

    const compared = await app.inject({ url: '/admin/entries/avrr-transit/history/shipped', headers: { cookie } });
    expect(compared.statusCode).toBe(200);
    expect(compared.body).toContain('Restore the shipped text');
    const restored = await app.inject({ method: 'POST', url: '/admin/entries/avrr-transit/restore', headers: { cookie }, payload: { _csrf: csrfOf(compared.body), version: versionOf(compared.body), record: 'shipped' } });
    expect(restored.headers.location).toBe('/admin/entries/avrr-transit/history?restored=1');
    expect(await readFile(file, 'utf8')).toBe(shipped);
    const after = await app.inject({ url: '/admin/entries/avrr-transit/history', headers: { cookie } });
    expect(after.body).toContain('The entry reads as it did before its first change through the console.');
    expect(after.body).toMatch(/<td>restored \(current\)<\/td>\s*<td>tags · en: question · fa: answer<\/td>/);
    const asked = await app.inject({ method: 'POST', url: '/api/ask', payload: { text: entry.languages.en.question, lang: 'en' } });
    expect(asked.json()).toMatchObject({ entryId: 'avrr-transit', answer: expect.not.stringContaining(sentence) });
  });
});
