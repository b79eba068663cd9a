import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterEach } from 'vitest';
import { axeViolations } from './axe.js';
import { ROOT } from './paths.js';

/** A phone as the issue reports were made on (CSS pixels). */
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const TIMEOUT = { timeout: 10_000 };

/**
 * Another site's page that embeds the widget from `chatUrl`: wider than a phone (a long code
 * line), with a link, and a region it made inert itself.
 */
export function wideHostPage(chatUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>A wide host page</title></head>
<body><main><h1>A site with a wide code sample</h1>
<pre>${'&lt;script src="https://chat.example.org/webchat/widget.js" data-lang="auto" async&gt;&lt;/script&gt; '.repeat(3)}</pre>
<p><a href="#top" id="host-link">A link on the host page</a></p></main>
<aside inert id="host-inert">Already inert</aside>
<script src="${chatUrl}/webchat/widget.js" data-lang="auto" async></script></body></html>`;
}

/**
 * A host site of its own on loopback (another origin than the chat server, as a real site is),
 * serving the page that `html()` returns at `/`; closed after each test.
 */
export function useHostSite(): () => Promise<{ origin: string; setPage(html: string): void }> {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });
  return async () => {
    let page = '';
    server = createServer((request, response) => {
      // Nothing else (the browser's favicon request) is an error either.
      if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      else response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { origin: `http://127.0.0.1:${port}`, setPage: (html) => (page = html) };
  };
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** An element's box, from `getBoundingClientRect()` (layout viewport coordinates). */
export function boxOf(locator: Locator): Promise<Box> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  });
}

/** The visual viewport (what the person sees) in the same coordinates. */
export function visualViewportOf(page: Page): Promise<Box> {
  return page.evaluate(() => {
    const v = window.visualViewport!;
    return { left: v.offsetLeft, top: v.offsetTop, right: v.offsetLeft + v.width, bottom: v.offsetTop + v.height };
  });
}

/** True when `inner` lies wholly inside `outer` (half a pixel of rounding allowed). */
export function within(inner: Box, outer: Box): boolean {
  return inner.left >= outer.left - 0.5 && inner.top >= outer.top - 0.5 && inner.right <= outer.right + 0.5 && inner.bottom <= outer.bottom + 0.5 && inner.right > inner.left;
}

/** The widget's focused element (inside its shadow root), described by its class or tag; 'page' when focus is outside the widget. */
export function focusedInWidget(page: Page): Promise<string> {
  return page.evaluate(() => {
    const host = document.querySelector('.rahnama-webchat');
    if (!host || document.activeElement !== host) return `page:${document.activeElement?.tagName ?? ''}#${document.activeElement?.id ?? ''}`;
    const active = host.shadowRoot!.activeElement;
    return active ? (active.className || active.tagName.toLowerCase()) : 'none';
  });
}

/** Sets the browser's own default text size (Chromium's setting, not page CSS), in pixels: 32 is 200 %. */
export async function setBrowserTextSize(page: Page, pixels: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.enable');
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: pixels, fixed: Math.round(pixels * 0.8125) } });
}

/** axe-core's WCAG 2.1 A and AA rules on the widget only (see `axeViolations` in ./axe.ts). */
export const widgetAxeViolations = (page: Page): Promise<string[]> => axeViolations(page, '.rahnama-webchat');

/**
 * Saves a screenshot for the README in docs/screenshots/ when UPDATE_SCREENSHOTS=1 (so that
 * ordinary test runs leave the working tree alone).
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const dir = path.join(ROOT, 'docs/screenshots');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), scale: 'css' });
}
