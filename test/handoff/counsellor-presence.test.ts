import { describe, expect, it } from 'vitest';
import { CounsellorPresence } from '../../src/handoff/counsellor-presence.js';
import { useStoreBackends } from '../support/stores.js';

describe.each(useStoreBackends())('counsellors online: $name store', (backend) => {
  it('counts a counsellor online from a heartbeat on any instance until the window passes or they leave', async () => {
    const place = await backend.place();
    const a = await place.open();
    const b = backend.name === 'postgres' ? await place.open() : a;
    let now = new Date('2026-12-07T08:00:00Z');
    const on = (store: typeof a) => new CounsellorPresence(store, { windowSeconds: 90, now: () => now });
    const queuePage = on(a);
    const bot = on(b);

    expect(await bot.online()).toEqual([]);
    await queuePage.seen('ana@iom.example', ['ar', 'en']);
    await queuePage.seen('boris@iom.example', ['ru', 'uk', 'bg']);
    expect((await bot.online()).map((c) => c.counsellor)).toEqual(['ana@iom.example', 'boris@iom.example']);
    expect((await bot.online('uk')).map((c) => c.counsellor)).toEqual(['boris@iom.example']);
    expect(await bot.online('ps')).toEqual([]);

    now = new Date(now.getTime() + 60_000);
    await queuePage.seen('ana@iom.example', ['ar', 'en']);
    now = new Date(now.getTime() + 40_000);
    // Boris's last heartbeat is 100 s old: offline; Ana's 40 s.
    expect((await bot.online()).map((c) => c.counsellor)).toEqual(['ana@iom.example']);
    await queuePage.gone('ana@iom.example');
    expect(await bot.online()).toEqual([]);
  });
});
