import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EVAL_FILE, ROOT } from './support/paths.js';

const run = promisify(execFile);

describe('npm run eval -- FILE --json', () => {
  it('prints one JSON object with overall and per-language figures, and nothing else', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'eval', '--', EVAL_FILE, '--json'], { cwd: ROOT, env: { ...process.env, EMBEDDINGS: 'false' } });
    const report = JSON.parse(stdout) as { overall: Record<string, number>; byLang: Record<string, Record<string, number>> };
    expect(Object.keys(report).sort()).toEqual(['byLang', 'overall']);
    expect(Object.keys(report.overall).sort()).toEqual(['n', 'noneRejected', 'p50ms', 'top1', 'top3']);
    expect(Object.keys(report.byLang)).toHaveLength(11);
    for (const figure of [report.overall.top1, report.overall.top3, report.overall.noneRejected]) {
      expect(figure).toBeGreaterThanOrEqual(0);
      expect(figure).toBeLessThanOrEqual(1);
    }
  });
});
