import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';

describe('an unexpected failure', () => {
  it('is answered with a coded 500 that names none of its internals, and logged with its cause', async () => {
    const logged: string[] = [];
    const logger = { level: 'error', stream: { write: (line: string) => logged.push(line) } };
    const app = await buildApp({ config: testConfig(), ...(await shipped()), logger });
    // A failure of the kind a database driver throws: its message and code are internals.
    app.get('/test/failing', async () => {
      throw Object.assign(new Error('relation "staff_accounts" does not exist'), { code: '42P01' });
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/test/failing' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ statusCode: 500, code: 'RAHNAMA_INTERNAL' });
      expect(res.body).not.toMatch(/staff_accounts|42P01|stack/);
      expect(logged.join('\n')).toMatch(/staff_accounts/);
    } finally {
      await app.close();
    }
  });
});
