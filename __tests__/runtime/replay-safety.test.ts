import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailoverStrategy } from '../../lib';
import { HaproxyConfigRejectedError, HaproxyProcess, HaproxyRuntimeClient } from '../../lib/node-runtime';
import { freePort } from '../../lib/runtime/free-port';
import { startHaproxy } from '../support/haproxy-under-test';
import { scaled } from '../support/time-scale';

// Real haproxy in front of two tiny backends. "flaky" passes its health checks but closes the connection on
// every other request without answering, as a process killed mid-request does. Which requests HAProxy replays
// on "steady" is what this checks: replay-safe methods yes, anything else never.
jest.setTimeout(scaled(30_000));

interface Backend {
  readonly server: Server;
  readonly port: number;
  readonly seen: string[];
}

async function backend(address: string, flaky: boolean): Promise<Backend> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/check.txt') {
      res.end('OK');
      return;
    }
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    if (flaky) {
      req.socket.destroy();
    } else {
      req.on('end', () => res.end(JSON.stringify({ served: 'steady' })));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

describe('L7 retries replay only replay-safe requests (real haproxy)', () => {
  let dir: string;
  let haproxy: HaproxyProcess;
  let runtimeApi: HaproxyRuntimeClient;
  let url: string;
  let flaky: Backend;
  let steady: Backend;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'replay-safety-'));
    flaky = await backend('127.0.0.11', true);
    steady = await backend('127.0.0.12', false);
    const frontendPort = await freePort('127.0.0.10');
    ({ haproxy, runtimeApi } = await startHaproxy(dir, {
      strategy: FailoverStrategy.PRIMARY_FIRST,
      servers: [
        { name: 'flaky', address: '127.0.0.11', port: flaky.port },
        { name: 'steady', address: '127.0.0.12', port: steady.port },
      ],
      frontend: { address: '127.0.0.10', port: frontendPort },
      healthCheck: { intervalMs: 200 },
      // Detection from traffic would take "flaky" out after a few errors; here every request must meet it.
      failureHandling: { errorLimit: 0 },
    }));
    url = `http://127.0.0.10:${frontendPort}`;
  });

  afterAll(async () => {
    await haproxy?.stop();
    flaky?.server.close();
    steady?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    flaky.seen.length = 0;
    steady.seen.length = 0;
  });

  test.each(['GET', 'PUT', 'DELETE'])('%s: the request the first server dropped is replayed on the other one', async (method) => {
    const res = await fetch(`${url}/api/v1/items/1`, { method, body: method === 'GET' ? undefined : '{"body":"x"}' });
    expect(res.status).toBe(200);
    expect(flaky.seen).toEqual([`${method} /api/v1/items/1`]);
    expect(steady.seen).toEqual([`${method} /api/v1/items/1`]);
  });

  test.each(['POST', 'PATCH'])('%s: never replayed, the client gets the error', async (method) => {
    // A 502, or on a reused client connection HAProxy's silent close (so that a client may retry it itself).
    const outcome = await fetch(`${url}/api/v1/items`, { method, body: '{"body":"x"}' }).then(
      (r) => r.status,
      () => 'connection closed',
    );
    expect([502, 'connection closed']).toContain(outcome);
    expect(flaky.seen).toEqual([`${method} /api/v1/items`]);
    expect(steady.seen).toEqual([]);
  });

  test('a config haproxy -c refuses is never applied: the running haproxy keeps serving', async () => {
    await expect(haproxy.reload('global\n    no-such-keyword\n', runtimeApi)).rejects.toThrow(HaproxyConfigRejectedError);
    expect(haproxy.running).toBe(true);
    expect((await fetch(`${url}/api/v1/items/2`)).status).toBe(200);
  });
});
