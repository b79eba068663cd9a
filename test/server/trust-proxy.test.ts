import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { shipped, testConfig } from '../support/engine.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A server with TRUST_PROXY as given and two questions a minute per client address, on a real loopback socket. */
async function serverTrusting(trustProxy: string): Promise<number> {
  app = await buildApp({ config: testConfig({ TRUST_PROXY: trustProxy, RATE_LIMIT_MAX: '2' }), ...(await shipped()), logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

/**
 * Asks from the loopback address `from` (127.0.0.0/8 is all loopback: a second "machine" without
 * a network), with `X-Forwarded-For` as given; the status code.
 */
function askFrom(port: number, from: string, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, localAddress: from, method: 'POST', path: '/api/ask', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ text: 'Is the return free?' }));
  });
}

describe('TRUST_PROXY with the proxy\'s address', () => {
  it('ignores X-Forwarded-For from any other address: a spoofed one does not change the rate-limit key', async () => {
    const port = await serverTrusting('127.0.0.1');
    const codes = [];
    for (let i = 1; i <= 4; i++) codes.push(await askFrom(port, '127.0.0.2', `203.0.113.${i}`));
    expect(codes).toEqual([200, 200, 429, 429]);
  });

  it('believes X-Forwarded-For from the proxy: each client behind it has its own limit', async () => {
    const port = await serverTrusting('127.0.0.1');
    const codes = [];
    for (let i = 1; i <= 4; i++) codes.push(await askFrom(port, '127.0.0.1', `203.0.113.${i}`));
    expect(codes).toEqual([200, 200, 200, 200]);
    // One client behind the proxy is still limited.
    expect([await askFrom(port, '127.0.0.1', '203.0.113.1'), await askFrom(port, '127.0.0.1', '203.0.113.1')]).toEqual([200, 429]);
  });

  it('takes a CIDR for a set of proxies, and a hop count', async () => {
    let port = await serverTrusting('10.0.0.0/8, 127.0.0.0/30');
    expect([await askFrom(port, '127.0.0.2', '203.0.113.1'), await askFrom(port, '127.0.0.2', '203.0.113.2'), await askFrom(port, '127.0.0.2', '203.0.113.3')]).toEqual([200, 200, 200]);
    await app?.close();
    port = await serverTrusting('1');
    // One proxy in front: the last address it added is the client's, whatever the client wrote before it.
    expect([await askFrom(port, '127.0.0.5', '198.51.100.9, 203.0.113.1'), await askFrom(port, '127.0.0.5', '198.51.100.9, 203.0.113.2'), await askFrom(port, '127.0.0.5', '198.51.100.9, 203.0.113.1')]).toEqual([200, 200, 200]);
    expect(await askFrom(port, '127.0.0.5', '203.0.113.1')).toBe(429);
  });
});
