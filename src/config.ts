import { isIP } from 'node:net';
import path from 'node:path';
import { RahnamaError } from './errors.js';
import { NO_HOURS, parseHolidays, parseTimeZone, parseWeeklyHours, type OpeningHours, type WeeklyHours } from './handoff/opening-hours.js';
import { maskAddressPassword } from './redact.js';

/** Reads one variable's text into a value, or says what is wrong with it. */
type Parse<T> = (raw: string) => { value: T } | { error: string };

const integer = (min: number, max: number): Parse<number> => (raw) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? { value: n } : { error: `must be a whole number from ${min} to ${max}` };
};
const decimal = (min: number, max: number): Parse<number> => (raw) => {
  const n = Number(raw);
  return raw !== '' && Number.isFinite(n) && n >= min && n <= max ? { value: n } : { error: `must be a number from ${min} to ${max}` };
};
const boolean: Parse<boolean> = (raw) =>
  /^(true|1|yes)$/i.test(raw) ? { value: true } : /^(false|0|no)$/i.test(raw) ? { value: false } : { error: 'must be true or false' };
const text = (pattern?: RegExp, hint?: string): Parse<string> => (raw) =>
  !pattern || pattern.test(raw) ? { value: raw } : { error: hint ?? `must match ${pattern}` };
const ORIGIN = /^https?:\/\/[^/\s?#]+$/;
const originList: Parse<readonly string[]> = (raw) => {
  const origins = raw.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean);
  const bad = origins.filter((o) => o !== '*' && !ORIGIN.test(o));
  return bad.length === 0 ? { value: origins } : { error: `${bad.join(', ')}: each must be an origin like https://www.example.org (scheme and host, no path), or *` };
};
/** An http(s) base address, kept without its trailing slash (grammY refuses one). */
const baseUrl = (pattern: RegExp, hint: string): Parse<string> => (raw) =>
  pattern.test(raw) ? { value: raw.replace(/\/+$/, '') } : { error: hint };
const oneOf = <T extends string>(...choices: T[]): Parse<T> => (raw) =>
  (choices as string[]).includes(raw) ? { value: raw as T } : { error: `must be one of ${choices.join(', ')}` };

/** A key of 32 bytes, written in base64 (`openssl rand -base64 32`). */
const base64Key: Parse<string> = (raw) =>
  /^[A-Za-z0-9+/]{43}=$/.test(raw) && Buffer.from(raw, 'base64').length === 32 ? { value: raw } : { error: 'must be 32 bytes in base64 (44 characters; openssl rand -base64 32 makes one)' };

/** Which proxies' `X-Forwarded-*` headers are believed, as Fastify's `trustProxy` takes it: none, a hop count, or addresses and CIDRs. */
export type TrustProxy = false | number | readonly string[];
/** proxy-addr's names for address ranges. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const isAddressOrCidr = (entry: string) => {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
};
const TRUST_EVERYONE =
  'would believe X-Forwarded-For from anyone, so any client could pick its own address and pass every per-address limit; give the proxy\'s addresses or CIDRs (e.g. 10.0.0.2 or 10.0.0.0/24), or the number of proxies in front of the server (e.g. 1)';
const trustProxy: Parse<TrustProxy> = (raw) => {
  if (/^(false|no|off)$/i.test(raw)) return { value: false };
  if (/^(true|yes|on)$/i.test(raw)) return { error: `true ${TRUST_EVERYONE}` };
  if (/^\d+$/.test(raw)) return Number(raw) <= 10 ? { value: Number(raw) === 0 ? false : Number(raw) } : { error: 'a hop count must be from 0 to 10' };
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.filter((e) => !PROXY_RANGES.includes(e) && !isAddressOrCidr(e));
  if (bad.length > 0) return { error: `${bad.join(', ')}: each must be an IP address, a CIDR (10.0.0.0/24) or one of ${PROXY_RANGES.join(', ')}; or give a hop count` };
  const everyone = entries.filter((e) => /\/0$/.test(e));
  if (everyone.length > 0) return { error: `${everyone.join(', ')} ${TRUST_EVERYONE}` };
  return { value: entries };
};

interface Variable<T> {
  readonly parse: Parse<T>;
  readonly default: T;
  /** What it does: the README's configuration table says the same. */
  readonly doc: string;
  /**
   * Set for a value that is or holds a secret: how an error may show it (never in full). It is
   * also masked in logs (see `secretValues`).
   */
  readonly secret?: (raw: string) => string | undefined;
}
const variable = <T>(parse: Parse<T>, defaultValue: T, doc: string): Variable<T> => ({ parse, default: defaultValue, doc });
/** A secret: an error names the variable and its length, never the value. */
const secret = (parse: Parse<string>, doc: string, show: (raw: string) => string | undefined = () => undefined): Variable<string> => ({ parse, default: '', doc, secret: show });

/**
 * Every environment variable Rahnama reads, with its parser, default and meaning, in one place.
 * The README's configuration table documents exactly these (a test keeps them in step).
 */
export const ENV_VARIABLES = {
  PORT: variable(integer(0, 65535), 3000, 'TCP port of the HTTP server.'),
  HOST: variable(text(/\S/, 'must not be empty'), '127.0.0.1', 'Interface to listen on (`0.0.0.0` to accept outside connections; the Docker image sets it).'),
  LOG_LEVEL: variable(oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info', 'pino log level. Message text is only logged at `debug` and below, never with user identifiers.'),
  DATA_DIR: variable(text(/\S/, 'must not be empty'), './data', 'Folder for what the server writes at run time: the embedded store (`DATA_DIR/store/`, when `DATABASE_URL` is empty), generated secrets, the embedding cache and the engine cache (`DATA_DIR/cache/`, unless `CACHE_DIR` is set).'),
  DATABASE_URL: secret(text(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// connection address'), 'PostgreSQL connection address (`postgres://user:password@host:5432/rahnama`). Set: all state and the published knowledge base live in that database, and several instances can share it. Empty: the embedded store under `DATA_DIR` (one instance).', maskAddressPassword),
  CACHE_DIR: variable(text(), '', 'Folder of the engine\'s built state (the validated knowledge and the trained question model), each file named by a hash of what it was built from, so a start on unchanged knowledge skips validating and training. Empty: `DATA_DIR/cache/`. Deleting it is safe: the next start rebuilds it.'),
  MODELS_DIR: variable(text(/\S/, 'must not be empty'), './models', 'Folder holding embedding models, as `<MODELS_DIR>/<model id>/`.'),
  KNOWLEDGE_DIR: variable(text(/\S/, 'must not be empty'), './knowledge', 'Folder of the knowledge base YAML files and `contacts.yaml`.'),
  WIDGET_DIR: variable(text(/\S/, 'must not be empty'), './dist/widget', 'Folder of the built web chat widget (`npm run build:widget`; `npm start` rebuilds it when its sources changed).'),
  LOCALES_DIR: variable(text(/\S/, 'must not be empty'), './locales', 'Folder of the i18next locale files (`<lang>/<namespace>.json`).'),
  EMBEDDINGS: variable(boolean, true, 'Use dense embeddings (hybrid retrieval) when the model is available. `false` keeps keyword search only.'),
  EMBEDDING_MODEL: variable(text(/\S/, 'must not be empty'), 'Xenova/multilingual-e5-small', 'Hugging Face id of the sentence-embedding model.'),
  EMBEDDING_DTYPE: variable(oneOf('q8', 'fp32'), 'q8', 'Model weights: `q8` (quantized, smaller, faster) or `fp32`.'),
  EMBEDDING_QUERY_PREFIX: variable(text(), 'query: ', 'Text put before a question when embedding it (E5 models expect `query: `).'),
  EMBEDDING_PASSAGE_PREFIX: variable(text(), 'passage: ', 'Text put before a knowledge passage when embedding it (E5 models expect `passage: `).'),
  MODEL_REMOTE_HOST: variable(text(/^https?:\/\//, 'must be an http(s):// address'), 'https://huggingface.co/', 'Where models are downloaded from: the Hugging Face Hub or a mirror of it.'),
  MODEL_DOWNLOAD: variable(boolean, true, 'Fetch a missing model in the background at start-up; on failure the server stays on keyword search.'),
  MAX_QUESTION_LENGTH: variable(integer(10, 100000), 1000, 'Longest question accepted, in characters; longer ones get a 400.'),
  ANSWER_THRESHOLD: variable(decimal(0, 1), 0.5, 'Confidence (0–1) below which the bot does not answer but offers suggestions and the contact route.'),
  RATE_LIMIT_MAX: variable(integer(1, Number.MAX_SAFE_INTEGER), 60, 'Requests per client and minute on public endpoints: per IP address for `/api/ask` and new web chat conversations, per conversation for web chat messages (many people may share one address, e.g. in a reception centre).'),
  TRUST_PROXY: variable<TrustProxy>(
    trustProxy,
    false,
    'Behind a reverse proxy: which proxies\' `X-Forwarded-*` headers to believe, so that rate limits see real client addresses: the proxy\'s addresses or CIDRs, comma-separated (`10.0.0.2`, `10.0.0.0/24`, `loopback`), or the number of proxies in front (`1`; only when nothing else can reach the server). `true` is refused: anyone could then pick their own address.',
  ),
  RETENTION_DAYS: variable(integer(1, 3650), 90, 'Days after which stored questions and feedback, and the state of idle conversations and users, are deleted; shown to users in the privacy answer.'),
  DIRECTLINE_SECRET: secret(text(/^.{32,}$/, 'must be at least 32 characters'), 'Secret that signs web chat conversation tokens (Direct Line). Set the same on every instance; when empty, one is generated once and kept in `DATA_DIR/directline-secret` (in the database with `DATABASE_URL`).'),
  DIRECTLINE_TOKEN_TTL: variable(integer(60, 86400), 1800, 'Seconds a web chat conversation token stays valid; clients refresh it before then.'),
  WEBCHAT_ALLOWED_ORIGINS: variable(originList, [], 'Comma-separated origins (`https://www.example.org`) of other sites allowed to embed the web chat widget; `*` allows any. Empty: only pages served by Rahnama itself.'),
  ADMIN_SESSION_SECRET: secret(text(/^.{32,}$/, 'must be at least 32 characters'), 'Signs the staff console\'s cookies. Set the same on every instance; when empty, one is generated once and kept in `DATA_DIR/admin-session-secret` (in the database with `DATABASE_URL`).'),
  ADMIN_SESSION_HOURS: variable(integer(1, 168), 8, 'Hours a staff console sign-in lasts.'),
  ADMIN_PASSWORD: secret(text(), 'Password for `npm run admin:create` without a prompt (for automation); never read by the server.'),
  MicrosoftAppId: variable(text(), '', 'Azure Bot registration id. Set (with `MicrosoftAppPassword`) to enable `POST /api/messages` for Azure Bot Service channels; empty disables it.'),
  MicrosoftAppPassword: secret(text(), 'Client secret of the Azure Bot registration.'),
  MicrosoftAppType: variable(oneOf('MultiTenant', 'SingleTenant', 'UserAssignedMSI'), 'MultiTenant', 'Azure Bot app type.'),
  MicrosoftAppTenantId: variable(text(), '', 'Tenant id, for `SingleTenant` and `UserAssignedMSI` bots.'),
  TELEGRAM_BOT_TOKEN: secret(text(/^\d+:[\w-]+$/, 'must be a bot token from @BotFather, like 123456:ABC-xyz'), 'Telegram bot token from @BotFather. Set to run the Telegram channel; empty turns it off.'),
  PUBLIC_URL: variable(baseUrl(/^https:\/\/[^\s?#]+$/, 'must be an https:// address without query or fragment'), '', 'Public `https://` base address of this server. Set: Telegram sends updates to a webhook under it; empty: the bot polls Telegram for updates (for development).'),
  TELEGRAM_API_ROOT: variable(baseUrl(/^https?:\/\/[^\s?#]+$/, 'must be an http(s):// address'), 'https://api.telegram.org', 'Bot API server the Telegram channel talks to: Telegram\'s own, a self-hosted `telegram-bot-api`, or a fake one in tests.'),
  TELEGRAM_WEBHOOK_SECRET: secret(text(/^[\w-]{16,256}$/, 'must be 16 to 256 characters: letters, digits, _ and -'), 'Secret Telegram sends with every webhook update (`X-Telegram-Bot-Api-Secret-Token`); other requests are refused. Empty: generated once and kept in `DATA_DIR/telegram-webhook-secret` (in the database with `DATABASE_URL`).'),
  TELEGRAM_ID_SECRET: secret(text(/^.{32,}$/, 'must be at least 32 characters'), 'Key of the hash under which Telegram user and chat ids are stored (never in clear). Set the same on every instance; empty: generated once and kept in `DATA_DIR/telegram-id-secret` (in the database with `DATABASE_URL`). Changing it makes the bot forget every Telegram user.'),
  TELEGRAM_GROUPS: variable(oneOf('off', 'mention'), 'off', 'Telegram groups: `off` (the bot answers private chats only) or `mention` (in groups it answers only messages that mention it or reply to it).'),
  HANDOFF_HOURS: variable<WeeklyHours | undefined>(parseWeeklyHours, undefined, 'When counsellors take live conversations ("talk to a person"), in `HANDOFF_TIMEZONE`: days and times separated by `;`, like `Mon-Fri 09:00-17:00; Sat 10:00-13:00`. Empty: never (every request is a message a counsellor answers later).'),
  HANDOFF_TIMEZONE: variable(parseTimeZone, 'Europe/Sofia', 'IANA time zone of `HANDOFF_HOURS`, `HANDOFF_HOLIDAYS` and the handoff dashboard\'s days.'),
  HANDOFF_HOLIDAYS: variable(parseHolidays, [], 'Dates (`2026-12-24,2026-12-25`) on which nobody takes live conversations.'),
  HANDOFF_IDLE_MINUTES: variable(integer(1, 1440), 30, 'Minutes without a message after which a claimed live conversation ends by itself and the bot takes over again.'),
  HANDOFF_RETENTION_DAYS: variable(integer(1, 3650), 30, 'Days after which live-conversation transcripts are deleted (`/forget` deletes them at once). Only outcomes and times are kept for the dashboard.'),
  HANDOFF_KEY: secret(base64Key, 'Key (32 bytes, base64) that encrypts a Telegram chat id while a live conversation is open, so a counsellor can write later. Empty: live handoff is off on Telegram.'),
  CONTACT_ORGANISATION: variable(text(), '', 'Overrides `contact.organisation` in `knowledge/contacts.yaml`.'),
  CONTACT_ADDRESS: variable(text(), '', 'Overrides `contact.address`.'),
  CONTACT_PHONE: variable(text(), '', 'Overrides `contact.phone`.'),
  CONTACT_EMAIL: variable(text(), '', 'Overrides `contact.email`.'),
  CONTACT_HOURS: variable(text(), '', 'Overrides `contact.hours`.'),
  CONTACT_WEBSITE: variable(text(), '', 'Overrides `contact.website`.'),
  CONTACT_VERIFIED: variable<boolean | undefined>(boolean, undefined, 'Overrides `verified` in `contacts.yaml` (`true` once an operator has checked every contact detail).'),
};

type EnvVariables = typeof ENV_VARIABLES;
export type EnvName = keyof EnvVariables;
type EnvValues = { readonly [K in EnvName]: EnvVariables[K] extends Variable<infer T> ? T : never };

/** The validated, frozen configuration the server runs with. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: EnvValues['LOG_LEVEL'];
  readonly dataDir: string;
  /** Empty: the embedded store under DATA_DIR. */
  readonly databaseUrl: string;
  readonly modelsDir: string;
  /** Where the engine's built state is cached (CACHE_DIR, else DATA_DIR/cache). */
  readonly cacheDir: string;
  readonly knowledgeDir: string;
  readonly localesDir: string;
  readonly widgetDir: string;
  readonly embeddings: {
    readonly enabled: boolean;
    readonly modelId: string;
    readonly dtype: 'q8' | 'fp32';
    readonly queryPrefix: string;
    readonly passagePrefix: string;
    readonly download: boolean;
    readonly remoteHost: string;
  };
  readonly maxQuestionLength: number;
  readonly answerThreshold: number;
  readonly rateLimitMax: number;
  readonly trustProxy: TrustProxy;
  readonly retentionDays: number;
  /** Azure Bot Service credentials; `appId` empty means /api/messages is off. */
  readonly botFramework: { readonly appId: string; readonly appPassword: string; readonly appType: string; readonly tenantId: string };
  readonly directLine: {
    /** Empty: generated and kept under DATA_DIR. */
    readonly secret: string;
    readonly tokenTtlSeconds: number;
  };
  /** The staff console: cookie signing secret (empty: generated under DATA_DIR) and session length. */
  readonly admin: { readonly sessionSecret: string; readonly sessionHours: number; readonly password: string };
  /** Origins of other sites that may embed the widget (`*`: any); the server's own is always allowed. */
  readonly webChatAllowedOrigins: readonly string[];
  /** The Telegram channel; `botToken` empty means it is off. */
  readonly telegram: {
    readonly botToken: string;
    /** Empty: long polling; set: webhook under this https:// base address. */
    readonly publicUrl: string;
    readonly apiRoot: string;
    /** Empty: generated and kept under DATA_DIR. */
    readonly webhookSecret: string;
    /** Empty: generated and kept under DATA_DIR. */
    readonly idSecret: string;
    readonly groups: 'off' | 'mention';
  };
  /** Live handoff to a counsellor (src/handoff/). */
  readonly handoff: {
    readonly hours: OpeningHours;
    readonly idleMinutes: number;
    readonly retentionDays: number;
    /** Base64 of 32 bytes for the chat-id cipher; empty: handoff on Telegram is off. */
    readonly key: string;
  };
  /** The secret-bearing values set (DATABASE_URL, tokens, secrets, passwords), for masking in logs. */
  readonly secrets: readonly string[];
  /** Contact overrides from the environment; empty strings mean "take contacts.yaml". */
  readonly contactOverrides: {
    readonly organisation: string;
    readonly address: string;
    readonly phone: string;
    readonly email: string;
    readonly hours: string;
    readonly website: string;
    readonly verified: boolean | undefined;
  };
}

/**
 * Reads and validates the environment once, at start-up. A bad value stops start-up with the
 * variable's name and why; the result is frozen.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(ENV_VARIABLES) as [EnvName, Variable<unknown>][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      values[name] = spec.default;
      continue;
    }
    const parsed = spec.parse(raw.trim());
    if ('error' in parsed) problems.push(`${shown(name, spec, raw)}: ${parsed.error}`);
    else values[name] = parsed.value;
  }
  if (problems.length > 0) throw new RahnamaError('RAHNAMA_CONFIG_INVALID', [problems.join('; ')]);
  const v = values as EnvValues;
  const dir = (p: string) => path.resolve(cwd, p);
  return deepFreeze({
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    dataDir: dir(v.DATA_DIR),
    databaseUrl: v.DATABASE_URL,
    modelsDir: dir(v.MODELS_DIR),
    cacheDir: v.CACHE_DIR ? dir(v.CACHE_DIR) : path.join(dir(v.DATA_DIR), 'cache'),
    knowledgeDir: dir(v.KNOWLEDGE_DIR),
    localesDir: dir(v.LOCALES_DIR),
    widgetDir: dir(v.WIDGET_DIR),
    embeddings: {
      enabled: v.EMBEDDINGS,
      modelId: v.EMBEDDING_MODEL,
      dtype: v.EMBEDDING_DTYPE,
      queryPrefix: v.EMBEDDING_QUERY_PREFIX,
      passagePrefix: v.EMBEDDING_PASSAGE_PREFIX,
      download: v.MODEL_DOWNLOAD,
      remoteHost: v.MODEL_REMOTE_HOST,
    },
    maxQuestionLength: v.MAX_QUESTION_LENGTH,
    answerThreshold: v.ANSWER_THRESHOLD,
    rateLimitMax: v.RATE_LIMIT_MAX,
    trustProxy: v.TRUST_PROXY,
    retentionDays: v.RETENTION_DAYS,
    directLine: { secret: v.DIRECTLINE_SECRET, tokenTtlSeconds: v.DIRECTLINE_TOKEN_TTL },
    webChatAllowedOrigins: v.WEBCHAT_ALLOWED_ORIGINS,
    admin: { sessionSecret: v.ADMIN_SESSION_SECRET, sessionHours: v.ADMIN_SESSION_HOURS, password: v.ADMIN_PASSWORD },
    botFramework: { appId: v.MicrosoftAppId, appPassword: v.MicrosoftAppPassword, appType: v.MicrosoftAppType, tenantId: v.MicrosoftAppTenantId },
    telegram: {
      botToken: v.TELEGRAM_BOT_TOKEN,
      publicUrl: v.PUBLIC_URL,
      apiRoot: v.TELEGRAM_API_ROOT,
      webhookSecret: v.TELEGRAM_WEBHOOK_SECRET,
      idSecret: v.TELEGRAM_ID_SECRET,
      groups: v.TELEGRAM_GROUPS,
    },
    handoff: {
      hours: { weekly: v.HANDOFF_HOURS ?? NO_HOURS, timeZone: v.HANDOFF_TIMEZONE, holidays: v.HANDOFF_HOLIDAYS },
      idleMinutes: v.HANDOFF_IDLE_MINUTES,
      retentionDays: v.HANDOFF_RETENTION_DAYS,
      key: v.HANDOFF_KEY,
    },
    secrets: secretValues(env),
    contactOverrides: {
      organisation: v.CONTACT_ORGANISATION,
      address: v.CONTACT_ADDRESS,
      phone: v.CONTACT_PHONE,
      email: v.CONTACT_EMAIL,
      hours: v.CONTACT_HOURS,
      website: v.CONTACT_WEBSITE,
      verified: v.CONTACT_VERIFIED,
    },
  });
}

/** A variable and its value for an error message: a secret masked, or only its length. */
function shown(name: string, spec: Variable<unknown>, raw: string): string {
  if (!spec.secret) return `${name}=${JSON.stringify(raw)}`;
  const masked = spec.secret(raw.trim());
  return masked === undefined ? `${name}=<hidden, ${[...raw].length} characters>` : `${name}=${JSON.stringify(masked)}`;
}

/** The secret-bearing values set in the environment, for masking in logs and error output (see `secretRedactor`). */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  return (Object.entries(ENV_VARIABLES) as [EnvName, Variable<unknown>][]).flatMap(([name, spec]) => {
    const raw = env[name]?.trim();
    return spec.secret && raw ? [raw] : [];
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}
