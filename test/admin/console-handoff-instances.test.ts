import { describe, expect, it } from 'vitest';
import { HandoffDesk } from '../../src/handoff/handoff-desk.js';
import { openStore } from '../../src/storage/open-store.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { openEventStream, STAFF, useHandoffConsole } from './handoff-console-server.js';

const serve = useHandoffConsole();

describe('live conversations across instances (PostgreSQL)', () => {
  it('show a person who asked on another instance in the live queue at once, and their reply reaches that instance', async () => {
    const { app, url, config, signIn } = await serve({ databaseUrl: await usePostgresDatabase() });
    // The person's instance: its own connection to the same database.
    const other = await openStore(config);
    try {
      const personSide = HandoffDesk.fromConfig(other, config.handoff);
      const sara = await signIn('sara');
      const stream = await openEventStream(`${url}/admin/handoff/events`, sara.cookie);
      await stream.until((text) => text.includes(': open'));

      const { handoff, opening } = await personSide.request({ person: 'p1', channel: 'webchat', language: 'ar' });
      // The counsellor's open page on the other instance counts as someone online.
      expect(opening.open).toBe(true);
      await stream.until((text) => text.includes(`"event":"requested","id":"${handoff.id}"`));
      stream.close();
      const queue = await app.inject({ url: '/admin/handoff', headers: { cookie: sara.cookie } });
      expect(queue.body).toContain(`data-handoff="${handoff.id}"`);

      const post = (action: string, payload: Record<string, string> = {}) =>
        app.inject({ method: 'POST', url: `/admin/handoff/${handoff.id}/${action}`, headers: { cookie: sara.cookie }, payload: { _csrf: sara.csrf, ...payload } });
      expect((await post('claim')).statusCode).toBe(303);
      expect((await post('reply', { text: 'أهلاً' })).statusCode).toBe(303);
      expect((await personSide.messagesSince(handoff.id)).map((m) => [m.message.from, m.message.text, m.message.counsellor])).toEqual([['counsellor', 'أهلاً', STAFF.sara.email]]);
    } finally {
      await other.close();
    }
  });
});
