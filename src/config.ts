import path from 'node:path';
import { Type, type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { RahnamaError } from './errors.js';

/**
 * Every environment variable Rahnama reads, with its schema, default and meaning, in one place.
 * The README's configuration table documents exactly these (a test keeps them in step).
 */
export const ENV_VARIABLES = {
  PORT: { schema: Type.Integer({ minimum: 0, maximum: 65535 }), default: 3000, doc: 'TCP port of the HTTP server.' },
  HOST: { schema: Type.String({ minLength: 1 }), default: '127.0.0.1', doc: 'Interface to listen on (`0.0.0.0` to accept outside connections; the Docker image sets it).' },
  LOG_LEVEL: { schema: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')]), default: 'info', doc: 'pino log level. Message text is only logged at `debug` and below, never with user identifiers.' },
  DATA_DIR: { schema: Type.String({ minLength: 1 }), default: './data', doc: 'Folder for state written at run time (embedding cache, later conversation state).' },
  MODELS_DIR: { schema: Type.String({ minLength: 1 }), default: './models', doc: 'Folder holding embedding models, as `<MODELS_DIR>/<model id>/`.' },
  KNOWLEDGE_DIR: { schema: Type.String({ minLength: 1 }), default: './knowledge', doc: 'Folder of the knowledge base YAML files and `contacts.yaml`.' },
  LOCALES_DIR: { schema: Type.String({ minLength: 1 }), default: './locales', doc: 'Folder of the i18next locale files (`<lang>/<namespace>.json`).' },
  EMBEDDINGS: { schema: Type.Boolean(), default: true, doc: 'Use dense embeddings (hybrid retrieval) when the model is available. `false` keeps keyword search only.' },
  EMBEDDING_MODEL: { schema: Type.String({ minLength: 1 }), default: 'Xenova/multilingual-e5-small', doc: 'Hugging Face id of the sentence-embedding model.' },
  EMBEDDING_DTYPE: { schema: Type.Union([Type.Literal('q8'), Type.Literal('fp32')]), default: 'q8', doc: 'Model weights: `q8` (quantized, smaller, faster) or `fp32`.' },
  EMBEDDING_QUERY_PREFIX: { schema: Type.String(), default: 'query: ', doc: 'Text put before a question when embedding it (E5 models expect `query: `).' },
  EMBEDDING_PASSAGE_PREFIX: { schema: Type.String(), default: 'passage: ', doc: 'Text put before a knowledge passage when embedding it (E5 models expect `passage: `).' },
  MODEL_REMOTE_HOST: { schema: Type.String({ pattern: '^https?://' }), default: 'https://huggingface.co/', doc: 'Where models are downloaded from: the Hugging Face Hub or a mirror of it.' },
  MODEL_DOWNLOAD: { schema: Type.Boolean(), default: true, doc: 'Fetch a missing model in the background at start-up; on failure the server stays on keyword search.' },
  MAX_QUESTION_LENGTH: { schema: Type.Integer({ minimum: 10, maximum: 100000 }), default: 1000, doc: 'Longest question accepted, in characters; longer ones get a 400.' },
  ANSWER_THRESHOLD: { schema: Type.Number({ minimum: 0, maximum: 1 }), default: 0.5, doc: 'Confidence (0–1) below which the bot does not answer but offers suggestions and the contact route.' },
  RATE_LIMIT_MAX: { schema: Type.Integer({ minimum: 1 }), default: 60, doc: 'Requests per client IP and minute on public endpoints.' },
  TRUST_PROXY: { schema: Type.Boolean(), default: false, doc: 'Trust `X-Forwarded-*` headers (set when behind a reverse proxy, so rate limits see real client addresses).' },
  RETENTION_DAYS: { schema: Type.Integer({ minimum: 1, maximum: 3650 }), default: 90, doc: 'Days after which stored questions and feedback are deleted; shown to users in the privacy answer.' },
  CONTACT_ORGANISATION: { schema: Type.String(), default: '', doc: 'Overrides `contact.organisation` in `knowledge/contacts.yaml`.' },
  CONTACT_ADDRESS: { schema: Type.String(), default: '', doc: 'Overrides `contact.address`.' },
  CONTACT_PHONE: { schema: Type.String(), default: '', doc: 'Overrides `contact.phone`.' },
  CONTACT_EMAIL: { schema: Type.String(), default: '', doc: 'Overrides `contact.email`.' },
  CONTACT_HOURS: { schema: Type.String(), default: '', doc: 'Overrides `contact.hours`.' },
  CONTACT_WEBSITE: { schema: Type.String(), default: '', doc: 'Overrides `contact.website`.' },
  CONTACT_VERIFIED: { schema: Type.Union([Type.Boolean(), Type.Literal('')]), default: '', doc: 'Overrides `verified` in `contacts.yaml` (`true` once an operator has checked every contact detail).' },
} as const satisfies Record<string, { schema: TSchema; default: unknown; doc: string }>;

type EnvVariables = typeof ENV_VARIABLES;
export type EnvName = keyof EnvVariables;
type EnvValues = { readonly [K in EnvName]: Static<EnvVariables[K]['schema']> };

/** The validated, frozen configuration the server runs with. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: EnvValues['LOG_LEVEL'];
  readonly dataDir: string;
  readonly modelsDir: string;
  readonly knowledgeDir: string;
  readonly localesDir: string;
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
  readonly trustProxy: boolean;
  readonly retentionDays: number;
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
  for (const [name, spec] of Object.entries(ENV_VARIABLES) as [EnvName, EnvVariables[EnvName]][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      values[name] = spec.default;
      continue;
    }
    const converted = Value.Convert(spec.schema, raw.trim());
    if (!Value.Check(spec.schema, converted)) {
      const [first] = Value.Errors(spec.schema, converted);
      problems.push(`${name}=${JSON.stringify(raw)}: ${first?.message ?? 'invalid value'}`);
      continue;
    }
    values[name] = converted;
  }
  if (problems.length > 0) throw new RahnamaError('RAHNAMA_CONFIG_INVALID', [problems.join('; ')]);
  const v = values as EnvValues;
  const dir = (p: string) => path.resolve(cwd, p);
  return deepFreeze({
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    dataDir: dir(v.DATA_DIR),
    modelsDir: dir(v.MODELS_DIR),
    knowledgeDir: dir(v.KNOWLEDGE_DIR),
    localesDir: dir(v.LOCALES_DIR),
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
    contactOverrides: {
      organisation: v.CONTACT_ORGANISATION,
      address: v.CONTACT_ADDRESS,
      phone: v.CONTACT_PHONE,
      email: v.CONTACT_EMAIL,
      hours: v.CONTACT_HOURS,
      website: v.CONTACT_WEBSITE,
      verified: v.CONTACT_VERIFIED === '' ? undefined : v.CONTACT_VERIFIED,
    },
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}
