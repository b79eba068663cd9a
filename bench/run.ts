import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { readEvalFile } from '../src/eval/evaluate.js';
import { LANGUAGES } from '../src/languages.js';
import { loadKnowledgeBase } from '../src/knowledge/load.js';
import { KeywordIndex } from '../src/retrieval/keyword-index.js';
import { QuestionModel } from '../src/retrieval/question-model.js';
import type { AnswerEngine } from '../src/retrieval/engine.js';
import { loadAnswerEngine, useLocalModelIfPresent } from '../src/retrieval/load-engine.js';
import { buildServerIfStale, formatTable, percentile, rssMbOf, SERVER_SCRIPT, startProcess } from './support.js';
import { syntheticKnowledge, syntheticQueries } from './synthetic.js';
import { buildWidget } from '../src/channels/webchat/widget-build.js';
import { closedLoop, measureMemory, openConversations } from './webchat.js';
import { webhookClosedLoop } from './telegram.js';
import { benchQuestions, instancesBench, instancesDefaults, instancesReport } from './instances.js';
import { nlpjsBench, nlpjsDefaults, nlpjsRows } from './nlpjs.js';
import { startupBench } from './startup.js';
import { storeSizeBench, storeSizeDefaults, storeSizeRows } from './store-size.js';
import { handoffBench, handoffDefaults, handoffRows } from './handoff.js';
import { handoffChannelsBench, handoffChannelsDefaults, handoffChannelsRows } from './handoff-channels.js';
import { FakeTelegram } from '../test/support/fake-telegram.js';
import type { Lang } from '../src/languages.js';

/**
 * `npm run bench`: retrieval latency and throughput on the shipped and synthetic knowledge bases,
 * index build, start-up, memory, /api/ask over loopback HTTP against a bare Fastify route, and
 * the web chat (Direct Line subset, WebSocket streams) with many conversations at once, and the
 * embedded store beside one and two instances on PostgreSQL (bench/instances.ts), and the engine
 * beside its baseline, NLP.js, per question and in load/training time (bench/nlpjs.ts).
 * Figures vary with the machine's load (2 shared cores here): compare ratios within one run.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const HTTP_ROUNDS = 3;
const WEBCHAT_SECONDS = Number(process.env.BENCH_WEBCHAT_SECONDS ?? 5);
const WEBCHAT_CONVERSATIONS = 100;
/** Between an answer and the next question in the paced run: far busier than people are (50 messages a second from 100 conversations). */
const WEBCHAT_THINK_MS = Number(process.env.BENCH_WEBCHAT_THINK_MS ?? 2000);
const WEBCHAT_PACED_SECONDS = Number(process.env.BENCH_WEBCHAT_PACED_SECONDS ?? 10);
/** Open WebSockets measured for memory (their conversations already started). */
const WEBCHAT_MEMORY_SOCKETS = 1000;
const TELEGRAM_SECONDS = Number(process.env.BENCH_TELEGRAM_SECONDS ?? 5);
const TELEGRAM_USERS = Number(process.env.BENCH_TELEGRAM_USERS ?? 100);
/** Start-up rounds, each one start under tsx and one of the compiled build. */
const STARTUP_ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 5);
/** `npm run bench -- --only keyword,model,engine,nlpjs,store-size,handoff,handoff-channels,startup,http,webchat,telegram,instances` runs some suites (all by default). */
const { values: args } = parseArgs({ options: { only: { type: 'string' } } });
const suites = new Set((args.only ?? 'keyword,model,engine,nlpjs,store-size,handoff,handoff-channels,startup,http,webchat,telegram,instances').split(','));
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
const rows: string[][] = [];
/** Sentences printed under the table. */
const notes: string[] = [];

const progress = (what: string) => process.stderr.write(`bench: ${what}\n`);

const ms = (n: number) => n.toFixed(3);

function latency(name: string, run: (i: number) => unknown, iterations: number) {
  for (let i = 0; i < Math.min(200, iterations); i++) run(i); // warm-up
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    run(i);
    times.push(performance.now() - t);
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  const figures = { p50ms: percentile(times, 50), p99ms: percentile(times, 99), perSecond: Math.round((iterations / total) * 1000) };
  rows.push([name, `p50 ${ms(figures.p50ms)} ms`, `p99 ${ms(figures.p99ms)} ms`, `${figures.perSecond}/s`]);
  return figures;
}

// --- keyword retrieval ---------------------------------------------------------------------
const kb = await loadKnowledgeBase(path.join(ROOT, 'knowledge'));
const shipped = [...kb.entries.values()];
const evalItems = await readEvalFile(path.join(ROOT, 'test/eval/eval.yaml'));
const keyword: Record<string, unknown> = {};
if (suites.has('keyword')) {
  progress('keyword search on the shipped knowledge base');
  const t = performance.now();
  const index = KeywordIndex.build(shipped);
  const buildMs = performance.now() - t;
  const queries = evalItems.map((e) => ({ text: e.q, lang: (e.lang ?? 'en') as never }));
  keyword.shipped = { entries: shipped.length, buildMs, ...latency(`keyword search, shipped (${shipped.length} entries)`, (i) => { const q = queries[i % queries.length]!; index.search(q.text, q.lang); }, 5000) };
}
for (const size of suites.has('keyword') ? [1000, 10000] : []) {
  progress(`synthetic knowledge base of ${size} entries`);
  const entries = syntheticKnowledge(shipped, size);
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  const index = KeywordIndex.build(entries);
  const buildMs = performance.now() - t;
  const rssMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  rows.push([`index build, ${size} entries x 11 languages`, `${(buildMs / 1000).toFixed(2)} s`, `+${rssMb.toFixed(0)} MB RSS`, '']);
  const queries = syntheticQueries(entries, 2000);
  keyword[`synthetic${size}`] = { entries: size, buildMs, rssMb, ...latency(`keyword search, ${size} entries x 11`, (i) => { const q = queries[i % queries.length]!; index.search(q.text, q.lang); }, 3000) };
}
results.keyword = keyword;

/** Every eval question once through the engine, language detected. */
async function timeAsks(engine: AnswerEngine) {
  const times: number[] = [];
  for (const item of evalItems) {
    const s = performance.now();
    await engine.ask({ text: item.q });
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { p50ms: percentile(times, 50), p99ms: percentile(times, 99) };
}

// --- the whole engine, in process --------------------------------------------------------------
if (suites.has('engine')) {
  progress('answer engine');
  // An engine cache of its own: the first load validates and trains, the second reads.
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'rahnama-bench-engine-cache-'));
  const config = loadConfig({ LOG_LEVEL: 'silent', CACHE_DIR: cacheDir }, ROOT);
  const t = performance.now();
  const first = await loadAnswerEngine(config);
  const coldLoadMs = performance.now() - t;
  await first.cache.settled();
  const w = performance.now();
  const served = await loadAnswerEngine(config);
  const { engine } = served;
  const loadMs = performance.now() - w;
  await rm(cacheDir, { recursive: true, force: true });
  rows.push(['engine load (knowledge, locales, index), empty engine cache', `${coldLoadMs.toFixed(0)} ms`, '', '']);
  rows.push(['engine load, engine cache warm', `${loadMs.toFixed(0)} ms`, '', `${(loadMs / coldLoadMs).toFixed(2)}x`]);
  const keywordAsks = await timeAsks(engine);
  rows.push(['engine.ask, eval questions, language detected', `p50 ${ms(keywordAsks.p50ms)} ms`, `p99 ${ms(keywordAsks.p99ms)} ms`, '']);
  results.engine = { loadMs, coldLoadMs, askP50ms: keywordAsks.p50ms, askP99ms: keywordAsks.p99ms };

  const models = await useLocalModelIfPresent(served, config);
  if (engine.mode === 'hybrid') {
    const hybrid = await timeAsks(engine);
    rows.push(['engine.ask, hybrid (embedding + fusion)', `p50 ${ms(hybrid.p50ms)} ms`, `p99 ${ms(hybrid.p99ms)} ms`, '']);
    results.hybrid = hybrid;
  } else {
    rows.push(['hybrid retrieval', 'skipped: no embedding model in MODELS_DIR', '', '']);
  }
  await models.close();
}

// --- the question model's training -------------------------------------------------------------
if (suites.has('model')) {
  progress('question model training on the shipped knowledge base');
  const trainings: number[] = [];
  for (let i = 0; i < 5; i++) trainings.push(QuestionModel.train({ entries: shipped, outOfScope: kb.outOfScope }).trainingMs);
  trainings.sort((a, b) => a - b);
  rows.push([`question model training, shipped (${shipped.length} entries), median of 5`, `${ms(percentile(trainings, 50))} ms`, '', '']);
  const model: Record<string, unknown> = { shippedTrainingMs: percentile(trainings, 50) };
  // 10,000 entries take minutes on this machine: BENCH_MODEL_SIZES=1000,10000 to measure it.
  for (const size of (process.env.BENCH_MODEL_SIZES ?? '1000').split(',').map(Number)) {
    progress(`question model training, ${size} synthetic entries`);
    const trained = QuestionModel.train({ entries: syntheticKnowledge(shipped, size), outOfScope: kb.outOfScope });
    rows.push([`question model training, ${size} entries x 11 languages`, `${(trained.trainingMs / 1000).toFixed(1)} s`, `${trained.index.size} examples`, '']);
    model[`synthetic${size}TrainingMs`] = trained.trainingMs;
  }
  results.model = model;
}

// --- the engine beside NLP.js, its baseline ---------------------------------------------------
if (suites.has('nlpjs')) {
  const result = await nlpjsBench({ root: ROOT, ...nlpjsDefaults, progress });
  rows.push(...nlpjsRows(result));
  results.nlpjs = result;
}

// --- the embedded store's cost per message, empty and with 100,000 stored conversations ------------
if (suites.has('store-size')) {
  const result = await storeSizeBench({ ...storeSizeDefaults, progress });
  rows.push(...storeSizeRows(result));
  results['store-size'] = result;
}

// --- the live handoff's store path: a counsellor's reply to the person's side ------------------
if (suites.has('handoff')) {
  const result = await handoffBench({ ...handoffDefaults, progress });
  rows.push(...handoffRows(result));
  results.handoff = result;
}
// --- the same to the person's web chat socket, through the bot's delivery ------------------------
if (suites.has('handoff-channels')) {
  const served = await loadAnswerEngine(loadConfig({ LOG_LEVEL: 'silent', EMBEDDINGS: 'false', MODEL_DOWNLOAD: 'false' }, ROOT));
  const result = await handoffChannelsBench({ ...handoffChannelsDefaults, served, progress });
  rows.push(...handoffChannelsRows(result));
  results.handoffChannels = result;
}

// --- server processes over loopback HTTP ---------------------------------------------------------
async function load(url: string) {
  // Every seventh question: all eleven languages and the out-of-scope ones, in the eval's mix.
  const requests = evalItems.filter((_, i) => i % 7 === 0).map((item) => ({ method: 'POST' as const, path: '/api/ask', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: item.q }) }));
  const r = await autocannon({ url, connections: 32, duration: HTTP_SECONDS, requests });
  return { requestsPerSecond: r.requests.average, p50ms: r.latency.p50, p99ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'rahnama-bench-'));
const serverEnv = { LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000000', MODEL_DOWNLOAD: 'false', DATA_DIR: dataDir };
// Every server below runs as `npm start` runs it, compiled; built here once if the sources changed.
if (['startup', 'http', 'webchat', 'telegram'].some((suite) => suites.has(suite))) buildServerIfStale();
try {
  if (suites.has('startup')) await startupSuite();
  if (suites.has('http')) await httpSuite();
  if (suites.has('webchat')) await webchatSuite();
  if (suites.has('telegram')) await telegramSuite();
  if (suites.has('instances')) await instancesSuite();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

async function startupSuite() {
  progress('start-up: tsx, the compiled build, and the compiled build with an empty engine cache, alternating');
  const startup = await startupBench(serverEnv, STARTUP_ROUNDS, progress, (round) => path.join(dataDir, `empty-cache-${round}`));
  rows.push(['start-up to ready, keyword mode: npm start before (tsx src/main.ts)', `median ${startup.tsx.medianMs.toFixed(0)} ms`, `runs ${startup.tsx.runsMs.map((ms) => ms.toFixed(0)).join(' ')}`, '']);
  rows.push(['start-up to ready, keyword mode: dist/main.js, empty engine cache', `median ${startup.compiledCold.medianMs.toFixed(0)} ms`, `runs ${startup.compiledCold.runsMs.map((ms) => ms.toFixed(0)).join(' ')}`, '']);
  rows.push(['start-up to ready, keyword mode: npm start now (dist/main.js, cache warm)', `median ${startup.compiled.medianMs.toFixed(0)} ms`, `runs ${startup.compiled.runsMs.map((ms) => ms.toFixed(0)).join(' ')}`, `${startup.ratio.toFixed(2)}x of tsx, ${startup.cacheRatio.toFixed(2)}x of an empty cache`]);
  const { before } = startup;
  if (before) rows.push(['start-up to ready, keyword mode: the build before (BENCH_STARTUP_BEFORE, cache warm)', `median ${before.medianMs.toFixed(0)} ms`, `runs ${before.runsMs.map((ms) => ms.toFixed(0)).join(' ')}`, `npm start now ${before.ratio.toFixed(2)}x of it`]);
  results.startup = startup;
  results.startupMs = startup.compiled.medianMs;
}

async function httpSuite() {
  progress('HTTP');

  // Both servers up at once, measured in alternation: the machine's load drifts (2 shared
  // cores), so each round compares the two under the same conditions; medians over rounds.
  const bare = await startProcess('bench/bare-server.ts', {});
  const real = await startProcess(SERVER_SCRIPT, serverEnv);
  const rounds: { bare: Awaited<ReturnType<typeof load>>; ask: Awaited<ReturnType<typeof load>> }[] = [];
  for (let round = 1; round <= HTTP_ROUNDS; round++) {
    progress(`HTTP round ${round} of ${HTTP_ROUNDS}`);
    rounds.push({ bare: await load(bare.url), ask: await load(real.url) });
  }
  const serverRssMb = await rssMbOf(real.pid);
  await Promise.all([bare.stop(), real.stop()]);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const bareLoad = rounds.map((r) => r.bare).sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(rounds.length / 2)]!;
  const realLoad = rounds.map((r) => r.ask).sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(rounds.length / 2)]!;
  const ratios = rounds.map((r) => r.ask.requestsPerSecond / r.bare.requestsPerSecond);
  const ratio = median([...ratios]);
  rows.push(['bare Fastify route (same validation, fixed answer)', `${bareLoad.requestsPerSecond.toFixed(0)} req/s`, `p50 ${bareLoad.p50ms} ms`, `p99 ${bareLoad.p99ms} ms`]);
  rows.push(['/api/ask over loopback, 32 connections', `${realLoad.requestsPerSecond.toFixed(0)} req/s`, `p50 ${realLoad.p50ms} ms`, `p99 ${realLoad.p99ms} ms`]);
  rows.push(['/api/ask throughput / bare route (median of rounds)', `${(ratio * 100).toFixed(0)} %`, `rounds: ${ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(' ')}`, '']);
  rows.push(['server resident memory after load', `${serverRssMb.toFixed(0)} MB`, '', '']);
  results.http = { bare: bareLoad, ask: realLoad, ratio, ratios, serverRssMb };
}

async function webchatSuite() {
  // The server is a process of its own, as in production: the bench's client (sockets, JSON)
  // and the server do not share an event loop, though they share the machine's cores.
  progress(`web chat: ${WEBCHAT_CONVERSATIONS} conversations for ${WEBCHAT_SECONDS} s`);
  const env = { ...serverEnv, DATA_DIR: path.join(dataDir, 'webchat'), DIRECTLINE_SECRET: 'b'.repeat(40) };
  const server = await startProcess(SERVER_SCRIPT, env);
  const cores = availableParallelism();
  // Each conversation keeps to one language, as a person does: the eval's questions in it,
  // including the out-of-scope ones (the bot answers those with a fallback and records them).
  const byLang = LANGUAGES.map((lang) => evalItems.filter((e) => (e.lang ?? 'en') === lang).map((e) => e.q)).filter((qs) => qs.length > 0);
  const questions = (i: number) => byLang[i % byLang.length] ?? [];
  let opened: Awaited<ReturnType<typeof openConversations>> | undefined;
  try {
    opened = await openConversations(server.url, WEBCHAT_CONVERSATIONS);
    await Promise.all(opened.conversations.map((c, i) => c.ask(questions(i).at(-1) ?? 'hello'))); // warm-up: one question each
    const loop = await closedLoop(opened.conversations, questions, WEBCHAT_SECONDS);
    const serverRssMb = await rssMbOf(server.pid);
    const n = WEBCHAT_CONVERSATIONS;
    rows.push([`web chat: open ${n} conversations at once (token, start, stream, welcome)`, `${opened.totalMs.toFixed(0)} ms all`, `p50 ${opened.p50ms.toFixed(0)} ms`, `p99 ${opened.p99ms.toFixed(0)} ms`]);
    rows.push([`web chat: question -> answer on the socket, ${n} conversations`, `${loop.messagesPerSecond.toFixed(0)} msg/s`, `p50 ${loop.p50ms.toFixed(1)} ms`, `p99 ${loop.p99ms.toFixed(1)} ms`]);
    rows.push(['web chat: POST round trip (the whole turn, state saved to disk)', '', `p50 ${loop.postP50ms.toFixed(1)} ms`, `p99 ${loop.postP99ms.toFixed(1)} ms`]);
    rows.push(['web chat: errors (failed POSTs, no answer on the socket in 10 s)', String(loop.errors), '', '']);
    rows.push([`web chat: server in its own process, client in the bench's (${cores} cores)`, `server RSS ${serverRssMb.toFixed(0)} MB`, '', '']);
    if (loop.errors > 0) progress(`web chat errors: ${JSON.stringify(loop.errorKinds)}`);
    // The same conversations as people use a chat: each reads the answer and types the next
    // question (WEBCHAT_THINK_MS on average), so the turns' latency shows, not the queue.
    progress(`web chat: ${n} conversations, ${WEBCHAT_THINK_MS} ms between an answer and the next question, for ${WEBCHAT_PACED_SECONDS} s`);
    const paced = await closedLoop(opened.conversations, questions, WEBCHAT_PACED_SECONDS, WEBCHAT_THINK_MS);
    rows.push([`web chat, people's pace (${n} conversations, ${WEBCHAT_THINK_MS / 1000} s to read and type): POST round trip`, `${paced.messagesPerSecond.toFixed(0)} msg/s`, `p50 ${paced.postP50ms.toFixed(1)} ms`, `p99 ${paced.postP99ms.toFixed(1)} ms`]);
    rows.push([`web chat, people's pace: question -> answer on the socket`, `errors ${paced.errors}`, `p50 ${paced.p50ms.toFixed(1)} ms`, `p99 ${paced.p99ms.toFixed(1)} ms`]);
    results.webchat = { conversations: n, seconds: WEBCHAT_SECONDS, serverProcess: 'separate', cores, open: { totalMs: opened.totalMs, p50ms: opened.p50ms, p99ms: opened.p99ms }, ...loop, serverRssMb, paced: { thinkMs: WEBCHAT_THINK_MS, seconds: WEBCHAT_PACED_SECONDS, ...paced } };
  } finally {
    for (const c of opened?.conversations ?? []) c.close();
    await server.stop();
  }

  // What a visitor's phone downloads: the widget as built, compressed as the server sends it.
  const widget = await buildWidget(path.join(dataDir, 'widget'));
  const assets = widget.filter((f) => f.name !== 'index.html');
  const gzip = assets.reduce((sum, f) => sum + f.gzipBytes, 0);
  const brotli = assets.reduce((sum, f) => sum + f.brotliBytes, 0);
  rows.push(['web chat widget: JavaScript + CSS (budget 30 KB gzipped)', `${(gzip / 1024).toFixed(1)} KB gzip`, `${(brotli / 1024).toFixed(1)} KB brotli`, '']);
  results.widget = { files: widget, gzipBytes: gzip, brotliBytes: brotli };

  progress('web chat: memory per conversation and per open WebSocket (in a process of its own, --expose-gc)');
  const memory = await measureMemory(ROOT, { ...serverEnv, LOG_LEVEL: 'silent', DATA_DIR: path.join(dataDir, 'webchat-memory'), DIRECTLINE_SECRET: 'm'.repeat(40) }, WEBCHAT_MEMORY_SOCKETS);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  rows.push([`memory per conversation (heap after GC, ${memory.conversations} started: the welcome, which writes no state; no socket)`, kb(memory.perConversation.heapBytes), `external ${kb(memory.perConversation.externalBytes)}`, '']);
  rows.push([`memory per open WebSocket (server heap after GC, ${memory.sockets} sockets)`, kb(memory.perSocket.heapBytes), `external ${kb(memory.perSocket.externalBytes)}`, '']);
  results.webchatMemory = {
    ...memory,
    includes: 'perConversation: server JS heap after forced GC for conversations started through inject (token, start): '
      + 'the welcome activities and the conversation\'s entry in the in-memory log (a welcome writes no bot state); '
      + 'the token verifier cache is full before measuring, so not counted. perSocket: server heap for WebSockets opened from '
      + 'another process on already started conversations, welcome backlog sent; kernel socket buffers are not in these figures.',
  };
}

async function telegramSuite() {
  // The server in a process of its own, in webhook mode, talking to a fake Bot API in this one.
  progress(`telegram: ${TELEGRAM_USERS} users through the webhook for ${TELEGRAM_SECONDS} s`);
  const fake = await new FakeTelegram().start();
  const secret = 'bench-webhook-secret-0123456789';
  const env = { ...serverEnv, DATA_DIR: path.join(dataDir, 'telegram'), TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, PUBLIC_URL: 'https://bench.example.org', TELEGRAM_WEBHOOK_SECRET: secret };
  const server = await startProcess(SERVER_SCRIPT, env);
  try {
    const registered = await fake.waitFor('setWebhook');
    const webhookUrl = `${server.url}${new URL(String(registered.params.url)).pathname}`;
    // Each user keeps to one language, as in the web chat suite.
    const byLang = LANGUAGES.map((lang) => evalItems.filter((e) => (e.lang ?? 'en') === lang).map((e) => e.q)).filter((qs) => qs.length > 0);
    const questions = (user: number) => byLang[user % byLang.length] ?? [];
    // How many messages each turn sends, worked out as the bot does (its first answer fixes the
    // user's language), so that a user asks again only once the whole turn has arrived.
    const { engine } = await loadAnswerEngine(loadConfig({ LOG_LEVEL: 'silent' }, ROOT));
    const langs = new Map<number, Lang>();
    const counts = new Map<string, number>(); // the bench's own CPU goes to the load, not to this
    const repliesFor = async (user: number, text: string) => {
      const key = `${langs.get(user) ?? ''}|${text}`;
      const known = counts.get(key);
      if (known !== undefined && langs.has(user)) return known;
      const result = await engine.ask({ text, lang: langs.get(user) });
      if (!langs.has(user)) langs.set(user, result.lang);
      const count = result.kind === 'answer' && result.entryId ? 2 : 1;
      counts.set(key, count);
      return count;
    };
    await webhookClosedLoop(fake, webhookUrl, secret, questions, repliesFor, TELEGRAM_USERS, 1); // warm-up
    const load = await webhookClosedLoop(fake, webhookUrl, secret, questions, repliesFor, TELEGRAM_USERS, TELEGRAM_SECONDS);
    const serverRssMb = await rssMbOf(server.pid);
    rows.push([`telegram webhook: update -> first reply at the Bot API, ${TELEGRAM_USERS} users`, `${load.updatesPerSecond.toFixed(0)} updates/s`, `p50 ${load.p50ms.toFixed(1)} ms`, `p99 ${load.p99ms.toFixed(1)} ms`]);
    rows.push(['telegram webhook: errors (refused POSTs, no reply in 10 s), stray replies', `${load.errors} errors`, `${load.strays} strays`, `server RSS ${serverRssMb.toFixed(0)} MB`]);
    results.telegram = { users: TELEGRAM_USERS, seconds: TELEGRAM_SECONDS, serverProcess: 'separate', ...load, serverRssMb };
  } finally {
    await server.stop();
    await fake.close();
  }
}

async function instancesSuite() {
  const result = await instancesBench({ root: ROOT, ...benchQuestions(evalItems), ...instancesDefaults, progress });
  if ('skipped' in result) {
    rows.push(['embedded store vs PostgreSQL, 1 and 2 instances', `skipped: ${result.skipped}`, '', '']);
    results.instances = result;
    return;
  }
  const report = instancesReport(result);
  rows.push(...report.rows);
  notes.push(...report.notes);
  results.instances = result;
}

console.log(formatTable(rows));
if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
await mkdir(path.join(ROOT, 'bench'), { recursive: true });
// Merged into the figures already there: a run of some suites (--only) keeps the others' figures.
const previous = JSON.parse(await readFile(path.join(ROOT, 'bench/results.json'), 'utf8').catch(() => '{}')) as Record<string, unknown>;
await writeFile(path.join(ROOT, 'bench/results.json'), `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
