import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { Config } from '../../config.js';
import { RahnamaError } from '../../errors.js';
import { loadGeneratedSecret } from '../../storage/generated-secret.js';
import type { Store } from '../../storage/store.js';

/**
 * The secret that signs conversation tokens: DIRECTLINE_SECRET when set, otherwise one generated
 * on first start and kept (see `loadGeneratedSecret`), so tokens survive a restart and, on
 * PostgreSQL, are valid on every instance.
 */
export async function loadDirectLineSecret(config: Pick<Config, 'directLine' | 'dataDir'>, store: Pick<Store, 'kind' | 'documents'>): Promise<string> {
  return config.directLine.secret || loadGeneratedSecret(store, config.dataDir, 'directline-secret');
}

/** A signed conversation token, who it is for and how long it lives, as Direct Line returns them. */
export interface IssuedToken {
  readonly token: string;
  readonly conversationId: string;
  readonly userId: string;
  readonly expiresIn: number;
}

/** What a valid token says: the one conversation it opens, and the one user who may write there. */
export interface TokenClaims {
  readonly conversationId: string;
  readonly userId: string;
}

/**
 * A new web chat user id. `dl_` is the prefix botframework-webchat keeps for ids embedded in a
 * Direct Line token (it refuses such ids from anywhere else).
 */
export const newUserId = (): string => `dl_${randomBytes(16).toString('base64url')}`;

/**
 * Conversation tokens: HS256 JWTs naming one conversation (`conv`) and its user (`user`, the
 * claim Direct Line uses and botframework-webchat reads), so a client can read and post only
 * there, and only as that user: the user's state follows the token, not what a client claims.
 * Short-lived; a valid token can be exchanged for a fresh one (refresh) for the same two.
 */
export class ConversationTokens {
  private readonly sign: (payload: { conv: string; user: string }) => string;
  private readonly verifyToken: (token: string) => { conv?: unknown; user?: unknown };

  constructor(secret: string, private readonly ttlSeconds: number) {
    this.sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000 });
    this.verifyToken = createVerifier({ key: secret, algorithms: ['HS256'], cache: true });
  }

  issue(conversationId: string, userId: string): IssuedToken {
    return { token: this.sign({ conv: conversationId, user: userId }), conversationId, userId, expiresIn: this.ttlSeconds };
  }

  /**
   * The conversation and user a token is for; throws RAHNAMA_TOKEN_EXPIRED or RAHNAMA_TOKEN_INVALID
   * (also for tokens issued before they named a user: the client starts a new conversation).
   */
  verify(token: string): TokenClaims {
    let payload: { conv?: unknown; user?: unknown };
    try {
      payload = this.verifyToken(token);
    } catch (error) {
      const expired = error instanceof TokenError && error.code === TokenError.codes.expired;
      throw new RahnamaError(expired ? 'RAHNAMA_TOKEN_EXPIRED' : 'RAHNAMA_TOKEN_INVALID', [], { cause: error });
    }
    if (typeof payload.conv !== 'string' || !payload.conv || typeof payload.user !== 'string' || !payload.user) throw new RahnamaError('RAHNAMA_TOKEN_INVALID');
    return { conversationId: payload.conv, userId: payload.user };
  }

  /** A new token for the same conversation and user, from one that is still valid. */
  refresh(token: string): IssuedToken {
    const { conversationId, userId } = this.verify(token);
    return this.issue(conversationId, userId);
  }
}
