import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ActivityHandler } from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import type { Locator, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebChat } from '../../src/channels/webchat/setup.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { useBrowser } from '../support/browser.js';
import { shipped, testConfig } from '../support/engine.js';
import { ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';
import { useWebChatServer } from '../support/webchat-server.js';

/*
 * Microsoft's botframework-webchat (the full UMD bundle from node_modules, unchanged) against the
 * self-hosted Direct Line 3.0 subset, in Chromium. The page is a plain embedding, as a site
 * would write it: it gets a token, keeps it in sessionStorage and, after a reload, exchanges it
 * for a fresh one (tokens/refresh) to resume the same conversation. Playwright serves the page
 * and the bundle on the server's own origin, so the real server sees exactly what it would see.
 */

const serve = useWebChatServer();
const openPage = useBrowser();

const PAGE_PATH = '/test/botframework-webchat.html';
const BUNDLE_PATH = '/test/webchat.js';
const TIMEOUT = 10_000;

/**
 * `?with-conversation-id` makes the page resume as Direct Line clients reconnect: with the
 * conversation id (directline-js then sends GET /conversations/:id?watermark=) rather than with
 * the conversation's token alone (POST /conversations).
 */
const PAGE = String.raw`<!doctype html>
<html>
<head><meta charset="utf-8"><title>botframework-webchat on Rahnama</title>
<style>html, body { height: 100%; margin: 0 } #webchat { height: 100% }</style></head>
<body>
<div id="webchat"></div>
<script src="${BUNDLE_PATH}"></script>
<script>
(async () => {
  const KEY = 'rahnama-directline';
  const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  const response = saved
    ? await fetch('/v3/directline/tokens/refresh', { method: 'POST', headers: { authorization: 'Bearer ' + saved.token } })
    : await fetch('/v3/directline/tokens/generate', { method: 'POST' });
  const { token, conversationId } = await response.json();
  sessionStorage.setItem(KEY, JSON.stringify({ token, conversationId }));
  const resumeWithId = saved && new URLSearchParams(location.search).has('with-conversation-id');
  const directLine = window.WebChat.createDirectLine({
    token,
    domain: location.origin + '/v3/directline',
    webSocket: true,
    ...(resumeWithId ? { conversationId } : {}),
  });
  window.WebChat.renderWebChat({ directLine, locale: navigator.language }, document.getElementById('webchat'));
})();
</script>
</body>
</html>`;

let bundle: Promise<Buffer> | undefined;

async function start(): Promise<string> {
  return (await serve()).url;
}

const tempDir = useTempDir();
let ownServer: { app: FastifyInstance; store: Store } | undefined;
afterEach(async () => {
  await ownServer?.app.close();
  await ownServer?.store.close();
  ownServer = undefined;
});

/** The real server, Direct Line and all, with `bot` in place of Rahnama's (what it answers is the test's). */
async function startWithBot(bot: ActivityHandler): Promise<string> {
  const config = testConfig({ DATA_DIR: await tempDir(), DIRECTLINE_SECRET: 'b'.repeat(40) });
  const served = await shipped();
  const store = await openStore(config);
  // The web chat's parts around another bot: its turns are made with Rahnama's, so they go too.
  const { turns: _rahnamaTurns, ...webChat } = await createWebChat(config, served, store);
  const app = await buildApp({ config, ...served, webChat: { ...webChat, bot }, store, logger: false });
  ownServer = { app, store };
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** The `user` claim of a Direct Line token (what botframework-webchat reads as its user id). */
const userOf = (token: string): unknown => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).user;

/** A page in an Arabic (Egypt) browser with the test page and the webchat bundle served on `base`. */
async function openWebChatPage(base: string) {
  const opened = await openPage({ locale: 'ar-EG' });
  const { page } = opened;
  // The routed page has no IP address of its own, so Chromium's Local Network Access checks treat
  // it as public and block its WebSocket to 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
  // A page the server itself served would be loopback like the socket; granting the permission
  // stands in for that.
  await page.context().grantPermissions(['local-network-access'], { origin: base });
  bundle ??= readFile(path.join(ROOT, 'node_modules/botframework-webchat/dist/webchat.js'));
  const webchatJs = await bundle;
  await page.route(`${base}/test/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === PAGE_PATH) return route.fulfill({ contentType: 'text/html; charset=utf-8', body: PAGE });
    if (pathname === BUNDLE_PATH) return route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: webchatJs });
    return route.fulfill({ status: 404 });
  });
  return { ...opened, chat: chat(page) };
}

/** webchat's own DOM: transcript bubbles, the suggested-action buttons and the send box. */
function chat(page: Page) {
  const transcript = page.locator('section.webchat__basic-transcript__transcript');
  return {
    transcript,
    fromBot: (text: string) => transcript.locator('.webchat__bubble:not(.webchat__bubble--from-user)').filter({ hasText: text }).first(),
    fromUser: (text: string) => transcript.locator('.webchat__bubble--from-user').filter({ hasText: text }).first(),
    userTexts: () => transcript.locator('.webchat__bubble--from-user .webchat__bubble__content').allInnerTexts(),
    suggestion: (name: string) => page.locator('.webchat__suggested-actions').getByRole('button', { name, exact: true }),
    async send(text: string) {
      const box = page.locator('[data-id="webchat-sendbox-input"]');
      await box.fill(text);
      await box.press('Enter');
    },
  };
}

const visible = { state: 'visible', timeout: TIMEOUT } as const;

async function rightEdge(element: Locator): Promise<number> {
  const box = await element.boundingBox();
  if (!box) throw new Error('not laid out');
  return box.x + box.width;
}

/** A line of Markdown as webchat renders it to text: no emphasis marks, links as their text. */
const plain = (markdown: string) => markdown.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\*\*|__|`/g, '').trim();

async function strings() {
  const { engine, knowledge } = await shipped();
  const t = (key: string) => engine.locales.t('ar', key);
  /** The first line of the Arabic reply to `text`, as the bot composes it (checked to be `entryId`'s). */
  const answerStart = async (text: string, entryId: string) => {
    const result = await engine.ask({ text, lang: 'ar' });
    expect(result.entryId, `the engine no longer answers "${text}" with ${entryId}`).toBe(entryId);
    return plain(result.answer.split('\n')[0] ?? '');
  };
  const question = (entryId: string) => knowledge.entries.get(entryId)?.languages.ar.question ?? '';
  return { t, answerStart, question };
}

describe('botframework-webchat, unchanged, on the self-hosted Direct Line', () => {
  it('chats in Arabic: welcome, language button, an answer right-to-left, a related question, feedback, resume after reload', { timeout: 60_000 }, async () => {
    const { t, answerStart, question } = await strings();
    const applyQuestion = 'كيف اسجل ببرنامج العوده الطوعيه'; // a variant of avrr-how-to-apply, as typed
    const applyAnswer = await answerStart(applyQuestion, 'avrr-how-to-apply');
    const processQuestion = question('avrr-process'); // one of avrr-how-to-apply's related questions
    const processAnswer = await answerStart(processQuestion, 'avrr-process');
    const cashQuestion = 'بيعطوني مصاري كاش لما اوصل؟'; // test/eval/eval.yaml → reintegration-cash
    const cashAnswer = await answerStart(cashQuestion, 'reintegration-cash');

    const { url: base, webChat } = await serve();
    const { page, errors, chat: c } = await openWebChatPage(base);
    await page.goto(`${base}${PAGE_PATH}`);

    // The browser asks for Arabic (Accept-Language: ar-EG), so the bot greets in Arabic.
    await c.fromBot(t('bot.welcome')).waitFor(visible);
    await c.fromBot(t('bot.chooseLanguage')).waitFor(visible);
    await c.suggestion('العربية').click();
    await c.fromBot(t('bot.languageChanged')).waitFor(visible);

    await c.send(applyQuestion);
    await c.fromUser(applyQuestion).waitFor(visible);
    const answer = c.fromBot(applyAnswer);
    await answer.waitFor(visible);
    // webchat takes its direction from its locale (ar-EG is in its RTL list): the transcript is
    // dir="rtl", and the bot's answer is laid out right-to-left, on the right-hand side.
    expect(await page.locator('.webchat__basic-transcript').getAttribute('dir')).toBe('rtl');
    expect(await answer.getByText(applyAnswer).evaluate((p) => getComputedStyle(p).direction)).toBe('rtl');
    expect(await rightEdge(answer)).toBeGreaterThan(await rightEdge(c.fromUser(applyQuestion)));
    // The echo of a sent message replaces webchat's pending copy (channelData.clientActivityID),
    // and the language button's postBack value ("lang:ar") is not shown (channelData.postBack).
    await expect.poll(c.userTexts).toEqual([applyQuestion]);

    // A related question, offered as a suggested action under the answer, answered in Arabic.
    await c.fromBot(t('bot.feedbackPrompt')).waitFor(visible);
    await c.suggestion(processQuestion).click();
    await c.fromBot(processAnswer).waitFor(visible);

    // Feedback on that answer, by its 👍 suggested action.
    await c.fromBot(t('bot.feedbackPrompt')).waitFor(visible);
    await c.suggestion(t('bot.buttonYes')).click();
    await c.fromBot(t('bot.feedbackThanksUp')).waitFor(visible);

    // Reload: the page refreshes its token, webchat reconnects to the same conversation and the
    // stream replays it; the bot does not greet again, and the conversation goes on.
    const conversationId = await page.evaluate(() => JSON.parse(sessionStorage.getItem('rahnama-directline') ?? '{}').conversationId);
    await page.reload();
    await c.fromBot(t('bot.feedbackThanksUp')).waitFor(visible);
    for (const text of [t('bot.welcome'), t('bot.languageChanged'), applyAnswer, processAnswer]) await c.fromBot(text).waitFor(visible);
    await c.fromUser(applyQuestion).waitFor(visible);
    expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem('rahnama-directline') ?? '{}').conversationId)).toBe(conversationId);
    expect(await c.transcript.locator('.webchat__bubble').filter({ hasText: t('bot.welcome') }).count()).toBe(1);
    await c.send(cashQuestion);
    await c.fromBot(cashAnswer).waitFor(visible);
    await expect.poll(c.userTexts).toEqual([applyQuestion, cashQuestion]);

    // webchat took its user id from the token (its `user` claim), before and after the reload:
    // the server accepts no other, and the user's state stays that user's.
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('rahnama-directline') ?? '{}').token as string);
    const { activities } = await webChat.conversations.since(conversationId);
    const senders = new Set(activities.filter((a) => a.from.role === 'user').map((a) => a.from.id));
    expect([...senders]).toEqual([userOf(token)]);

    // No uncaught exception and no console error: nothing to filter, webchat logs none here.
    expect(errors).toEqual([]);
  });

  it('resumes with the conversation id, as directline-js reconnects (GET /v3/directline/conversations/:id)', { timeout: 30_000 }, async () => {
    const { t } = await strings();
    const base = await start();
    const { page, chat: c } = await openWebChatPage(base);
    await page.goto(`${base}${PAGE_PATH}`);
    await c.suggestion('العربية').click();
    await c.fromBot(t('bot.languageChanged')).waitFor(visible);
    const reconnect = page.waitForResponse((r) => r.request().method() === 'GET' && /\/v3\/directline\/conversations\/[^/?]+\?watermark=/.test(r.url()), { timeout: TIMEOUT });
    await page.goto(`${base}${PAGE_PATH}?with-conversation-id`);
    expect((await reconnect).status()).toBe(200);
    await c.fromBot(t('bot.languageChanged')).waitFor(visible);
  });
});

describe('botframework-webchat and HTML in what the bot or the user sends', () => {
  it('shows an <img> in an answer, or in what the user typed, as text: nothing loads from elsewhere', { timeout: 30_000 }, async () => {
    // Stands in for an answer that HTML got into (kb:check refuses it, but the channel must hold on its own).
    const tracker = 'https://tracker.example/pixel.png';
    const answer = `Our office is open. <img src="${tracker}?who=reader"> See you <b>soon</b>.`;
    const bot = new ActivityHandler();
    bot.onMessage(async (context, next) => {
      await context.sendActivity(answer);
      await next();
    });
    const base = await startWithBot(bot);
    const { page, chat: c } = await openWebChatPage(base);
    const loaded: string[] = [];
    await page.route('https://tracker.example/**', (route) => {
      loaded.push(route.request().url());
      return route.fulfill({ status: 204 });
    });
    await page.goto(`${base}${PAGE_PATH}`);

    const typed = `hello <img src="${tracker}?who=user">`;
    await c.send(typed);
    const reply = c.fromBot('Our office is open.');
    await reply.waitFor(visible);
    await c.fromUser('hello').waitFor(visible);
    // Markdown shows the escaped HTML as the characters it was written with (webchat's typographer
    // curls the quotes and marks the address it links).
    expect(await reply.innerText()).toMatch(/<img src=.{0,3}https:\/\/tracker\.example\/pixel\.png\?who=reader.{0,3}>/u);
    expect(await reply.innerText()).toContain('<b>soon</b>');
    expect(await c.fromUser('hello').innerText()).toContain(typed);
    expect(await page.locator('img[src*="tracker.example"], b').count()).toBe(0);
    expect(loaded).toEqual([]);
  });
});
