import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

type AxeRun = (context: unknown, options: unknown) => Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }>;
let axeSource: string | undefined;

/**
 * axe-core's WCAG 2.1 A and AA rules on the page (or only inside `include`, a CSS selector), as
 * "rule: [targets]" lines: none is a pass. The pages have a CSP, so axe goes in through
 * Playwright, not as a page script.
 */
export async function axeViolations(page: Page, include?: string): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  return page.evaluate(async (selector) => {
    const { run } = (window as unknown as { axe: { run: AxeRun } }).axe;
    const context = selector ? { include: [[selector]] } : document;
    const result = await run(context, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  }, include);
}
