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

/** A signed conversation token and how long it lives, as Direct Line returns them. */
export interface IssuedToken {
  readonly token: string;
  readonly conversationId: string;
  readonly expiresIn: number;
}

/**
 * Conversation tokens: HS256 JWTs naming one conversation, so a client can read and post only
 * there. Short-lived; a valid token can be exchanged for a fresh one (refresh).
 */
export class ConversationTokens {
  private readonly sign: (payload: { conv: string }) => string;
  private readonly verify: (token: string) => { conv?: unknown };

  constructor(secret: string, private readonly ttlSeconds: number) {
    this.sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000 });
    this.verify = createVerifier({ key: secret, algorithms: ['HS256'], cache: true });
  }

  issue(conversationId: string): IssuedToken {
    return { token: this.sign({ conv: conversationId }), conversationId, expiresIn: this.ttlSeconds };
  }

  /** The conversation a token is for; throws RAHNAMA_TOKEN_EXPIRED or RAHNAMA_TOKEN_INVALID. */
  conversationOf(token: string): string {
    let payload: { conv?: unknown };
    try {
      payload = this.verify(token);
    } catch (error) {
      const expired = error instanceof TokenError && error.code === TokenError.codes.expired;
      throw new RahnamaError(expired ? 'RAHNAMA_TOKEN_EXPIRED' : 'RAHNAMA_TOKEN_INVALID', [], { cause: error });
    }
    if (typeof payload.conv !== 'string' || !payload.conv) throw new RahnamaError('RAHNAMA_TOKEN_INVALID');
    return payload.conv;
  }

  /** A new token for the same conversation, from one that is still valid. */
  refresh(token: string): IssuedToken {
    return this.issue(this.conversationOf(token));
  }
}
