import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { sharedRateLimitStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';

describe('the rate-limit store as a capability of the Store', () => {
  it('is whatever rate-limit store the store offers, whichever class it is, and none on the embedded store', async () => {
    const embedded: Store = await EmbeddedStore.inMemory();
    expect(embedded.rateLimitStore).toBeUndefined();
    expect(await sharedRateLimitStore(embedded)).toBeUndefined();
    // A shared store of another class (a wrapper, say): its own capability counts, not its class.
    const ctor = class {} as unknown as FastifyRateLimitStoreCtor;
    const wrapped: Store = Object.assign(Object.create(embedded) as Store, { kind: 'postgres' as const, rateLimitStore: ctor });
    expect(await sharedRateLimitStore(wrapped)).toBe(ctor);
  });
});
