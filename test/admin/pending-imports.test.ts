import { describe, expect, it } from 'vitest';
import { PendingImports, type ImportEdit } from '../../src/admin/pending-imports.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';

const MINUTE = 60_000;
const edits: ImportEdit[] = [{ entry: { id: 'avrr-cost', topic: 'return', tags: [], source: [], reviewed: '2026-12-01' } as unknown as KnowledgeEntry, baseVersion: 'v1' }];

describe('spreadsheet dry runs awaiting apply', () => {
  it('are applied once, by the session that made them, with the token of the last dry run, from any PendingImports on the same store', async () => {
    const store = await EmbeddedStore.inMemory();
    const [here, elsewhere] = [new PendingImports(store, 30 * MINUTE), new PendingImports(store, 30 * MINUTE)];
    const older = await here.save('session-a', edits);
    const token = await here.save('session-a', edits);
    expect(await elsewhere.take('session-a', older)).toBeUndefined();
    expect(await elsewhere.take('session-b', token)).toBeUndefined();
    expect(await elsewhere.take('session-a', token)).toEqual(edits);
    expect(await here.take('session-a', token)).toBeUndefined();
  });

  it('expire after their lifetime, and expired ones are deleted when a new one is kept', async () => {
    const store = await EmbeddedStore.inMemory();
    const pending = new PendingImports(store, 30 * MINUTE);
    const start = new Date('2026-12-07T12:00:00Z');
    const token = await pending.save('session-a', edits, start);
    expect(await pending.take('session-a', token, new Date(start.getTime() + 31 * MINUTE))).toBeUndefined();
    await pending.save('session-b', edits, start);
    await pending.save('session-c', edits, new Date(start.getTime() + 31 * MINUTE));
    expect((await store.documents('pending-imports').list()).map((d) => d.key)).toEqual(['session-c']);
  });

  it('are forgotten when the session makes a dry run that cannot be applied', async () => {
    const pending = new PendingImports(await EmbeddedStore.inMemory(), 30 * MINUTE);
    const token = await pending.save('session-a', edits);
    await pending.forget('session-a');
    expect(await pending.take('session-a', token)).toBeUndefined();
  });
});
