import { describe, expect, it } from 'vitest';
import { HandledUpdates } from '../../src/channels/common/handled-updates.js';
import { useStoreBackends } from '../support/stores.js';

describe.each(useStoreBackends())('which of a channel\'s updates were handled, on the $name store', (backend) => {
  it('lets one caller handle an update, tells a copy arriving meanwhile it is busy, and later ones it is done', async () => {
    const updates = new HandledUpdates(await (await backend.place()).open(), 'telegram');
    expect(await updates.begin(1001)).toBe('new');
    expect(await updates.begin(1001)).toBe('busy');
    await updates.finish(1001);
    expect(await updates.begin(1001)).toBe('done');
    expect(await updates.begin(1002)).toBe('new');
  });

  it('hands an update over when the instance that claimed it stopped working on it for a minute (it may have died)', async () => {
    const updates = new HandledUpdates(await (await backend.place()).open(), 'telegram');
    const claimed = new Date('2026-12-01T10:00:00Z');
    expect(await updates.begin(2001, claimed)).toBe('new');
    expect(await updates.begin(2001, new Date(claimed.getTime() + 59_000))).toBe('busy');
    expect(await updates.begin(2001, new Date(claimed.getTime() + 61_000))).toBe('new');
  });

  it('lets exactly one of many concurrent deliveries handle an update', async () => {
    const place = await backend.place();
    // On PostgreSQL, each delivery on its own connection pool, as on separate instances.
    const logs = backend.name === 'postgres' ? await Promise.all([place.open(), place.open(), place.open()]) : [await place.open()];
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => new HandledUpdates(logs[i % logs.length]!, 'telegram').begin(3001)));
    expect(outcomes.filter((o) => o === 'new')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(11);
  });

  it('forgets records older than the retention it is given', async () => {
    const updates = new HandledUpdates(await (await backend.place()).open(), 'telegram');
    await updates.begin(4001, new Date('2026-11-01T00:00:00Z'));
    await updates.begin(4002);
    expect(await updates.deleteOlderThan(2)).toBe(1);
    expect(await updates.begin(4002)).toBe('busy');
  });

  it('keeps each channel\'s updates apart: the same update id from two channels is two updates', async () => {
    const store = await (await backend.place()).open();
    const telegram = new HandledUpdates(store, 'telegram');
    expect(await telegram.begin(5001)).toBe('new');
    await telegram.finish(5001);
    expect(await new HandledUpdates(store, 'viber').begin(5001)).toBe('new');
    expect(await telegram.begin(5001)).toBe('done');
  });
});
