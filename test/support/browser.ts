import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { beforeAll, onTestFinished } from 'vitest';
import { ROOT } from './paths.js';

/** Debian's Chromium, installed by `.ci/run`; the closed network needs the background flags. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS_DIR = path.join(ROOT, 'test/artifacts');

export interface BrowserPage {
  readonly page: Page;
  /** Uncaught page errors and console errors (CSP violations among them), for assertions. */
  readonly errors: string[];
}

/** The worker's Chromium, started by the first file that asks (test files share a worker's modules). */
let shared: Promise<Browser> | undefined;

function launch(): Promise<Browser> {
  const starting = chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  // A browser that crashed or failed to start is started again by the next file.
  starting.then((browser) => browser.on('disconnected', () => (shared = undefined)), () => (shared = undefined));
  return starting;
}

/**
 * One headless Chromium per worker, shared by its test files one after another (Playwright ends
 * it when the worker exits): starting one per file cost a second or two each. `openPage()` gives
 * each test a fresh context (no shared storage, cookies or cache between tests) and saves a
 * screenshot under test/artifacts/ when the test fails.
 */
export function useBrowser(): (options?: BrowserContextOptions) => Promise<BrowserPage> {
  let browser: Browser | undefined;
  beforeAll(async () => {
    shared ??= launch();
    browser = await shared;
  });

  // A phone is `{ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }`.
  return async ({ locale = 'en-GB', ...options } = {}) => {
    if (!browser) throw new Error('useBrowser(): the browser did not start');
    const context = await browser.newContext({ locale, ...options });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') {
        await mkdir(ARTIFACTS_DIR, { recursive: true });
        const name = task.name.replace(/[^\w-]+/g, '-').slice(0, 100);
        await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`) }).catch((error: unknown) => console.error(`screenshot: ${String(error)}`));
      }
      await context.close();
    });
    return { page, errors };
  };
}
