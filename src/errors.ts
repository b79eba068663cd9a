/**
 * Every error Rahnama raises on purpose, declared once with a stable code, an HTTP status and a
 * message template (the habit of Fastify's lib/errors.js). Callers and logs match on `code`.
 */
export const ERROR_CODES = {
  RAHNAMA_CONFIG_INVALID: { status: 500, message: 'Invalid configuration: %s' },
  RAHNAMA_KNOWLEDGE_INVALID: { status: 500, message: 'The knowledge base has %s problem(s)' },
  RAHNAMA_LOCALES_INVALID: { status: 500, message: 'Invalid locale file: %s' },
  RAHNAMA_UNSUPPORTED_LANGUAGE: { status: 400, message: 'Unsupported language "%s"' },
  RAHNAMA_TEXT_EMPTY: { status: 400, message: 'The question is empty' },
  RAHNAMA_TOKEN_INVALID: { status: 403, message: 'Invalid conversation token' },
  RAHNAMA_TOKEN_EXPIRED: { status: 403, message: 'The conversation token has expired' },
  RAHNAMA_TOKEN_USER_MISMATCH: { status: 403, message: 'The activity\'s from.id is not the user this conversation token was issued to' },
  RAHNAMA_TOO_MANY_STREAMS: { status: 429, message: 'Too many open web chat streams for this conversation or client address; close one first' },
  RAHNAMA_ORIGIN_NOT_ALLOWED: { status: 403, message: 'Origin %s may not use this web chat (see WEBCHAT_ALLOWED_ORIGINS)' },
  RAHNAMA_TELEGRAM_SECRET_INVALID: { status: 401, message: 'Missing or wrong Telegram webhook secret token' },
  RAHNAMA_TELEGRAM_CALLBACK_TOO_LONG: { status: 500, message: 'Button value "%s" is longer than Telegram\'s 64-byte callback data' },
  RAHNAMA_CHANNEL_LIMIT: { status: 500, message: 'The %s channel cannot carry %s: %s' },
  RAHNAMA_ADMIN_SIGN_IN_REQUIRED: { status: 401, message: 'Sign in to the staff console first' },
  RAHNAMA_ADMIN_CSRF: { status: 403, message: 'The form or request is missing its CSRF token, or it is wrong: reload the page' },
  RAHNAMA_SPREADSHEET_REFUSED: { status: 400, message: 'The spreadsheet was refused: %s' },
  RAHNAMA_RATE_LIMITED: { status: 429, message: 'Too many requests; try again in %s seconds' },
  RAHNAMA_INTERNAL: { status: 500, message: 'Something went wrong on the server; nothing was acknowledged. Try again, and tell the operator if it keeps happening' },
  RAHNAMA_STORE_UNAVAILABLE: { status: 503, message: 'The database cannot be reached just now; nothing was saved. Try again in a moment' },
  RAHNAMA_STORE_FILE_INVALID: { status: 500, message: 'The embedded store\'s file %s cannot be read: %s' },
  RAHNAMA_MODEL_ID_INVALID: { status: 500, message: '%s' },
  RAHNAMA_MODEL_MISSING: { status: 500, message: '%s' },
  RAHNAMA_MODEL_LOAD_FAILED: { status: 500, message: '%s' },
  RAHNAMA_MODEL_DOWNLOAD_FAILED: { status: 500, message: '%s' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RahnamaError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, args: readonly (string | number)[] = [], options?: ErrorOptions) {
    let i = 0;
    super(
      ERROR_CODES[code].message.replace(/%s/g, () => String(args[i++] ?? '')),
      options,
    );
    this.name = 'RahnamaError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
  }
}
