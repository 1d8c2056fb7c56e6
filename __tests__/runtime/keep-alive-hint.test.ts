import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailoverStrategy } from '../../lib';
import { HaproxyProcess } from '../../lib/node-runtime';
import { freePort } from '../../lib/runtime/free-port';
import { startHaproxy } from '../support/haproxy-under-test';
import { scaled } from '../support/time-scale';

// A client may reuse an idle connection for as long as the server's `Keep-Alive: timeout` says. HAProxy passed the
// API's hint (65 s, so that HAProxy, not the API, closes server-side connections) through to clients while it closed
// idle ones itself after `timeout http-keep-alive`: a client that idled up to that moment sent its next request into
// a closing connection and got a socket error. What HAProxy advertises must be less than what it keeps.
jest.setTimeout(scaled(30_000));

const KEEP_ALIVE_MS = 2500;

async function backend(address: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('OK'));
  });
  server.keepAliveTimeout = 65_000; // what the reference API sets, and what it advertises
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return server;
}

/** One HTTP/1.1 exchange on a raw connection, so the test sees the headers and the close as they happen. */
function exchange(socket: Socket, request: string): Promise<{ status: number; headers: Map<string, string>; at: number }> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        return;
      }
      const [statusLine, ...lines] = buffered.slice(0, end).split('\r\n');
      const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      if (buffered.length - end - 4 < Number(headers.get('content-length') ?? 0)) {
        return;
      }
      socket.off('data', onData);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, at: performance.now() });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

function advertisedSeconds(headers: Map<string, string>): number {
  const match = /timeout=(\d+)/.exec(headers.get('keep-alive') ?? '');
  expect(match).not.toBeNull();
  return Number(match?.[1]);
}

describe('HAProxy advertises its own keep-alive timeout, and keeps idle connections longer than that (real haproxy)', () => {
  let dir: string;
  let haproxy: HaproxyProcess;
  let servers: Server[];
  let frontendPort: number;
  const sockets: Socket[] = [];

  const open = async (): Promise<Socket> => {
    const socket = connect(frontendPort, '127.0.0.10');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keep-alive-hint-'));
    servers = [await backend('127.0.0.11'), await backend('127.0.0.12')];
    frontendPort = await freePort('127.0.0.10');
    ({ haproxy } = await startHaproxy(dir, {
      strategy: FailoverStrategy.WEIGHTED_STICK,
      servers: servers.map((s, i) => ({ name: `server${i + 1}`, address: `127.0.0.1${i + 1}`, port: (s.address() as AddressInfo).port })),
      frontend: { address: '127.0.0.10', port: frontendPort },
      healthCheck: { intervalMs: 200 },
      limits: { keepAliveTimeoutMs: KEEP_ALIVE_MS, maxBodyBytes: 10 },
    }));
  });

  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await haproxy?.stop();
    servers?.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });

  test("the API's answer carries HAProxy's hint, and HAProxy closes the idle connection no sooner than a second after it", async () => {
    const socket = await open();
    const closed = new Promise<number>((resolve) => socket.once('end', () => resolve(performance.now())));
    const answer = await exchange(socket, 'GET /items HTTP/1.1\r\nHost: api\r\n\r\n');
    expect(answer.status).toBe(200);
    const hint = advertisedSeconds(answer.headers);
    expect(hint).toBe(1); // 2.5 s, less a second, in whole seconds; the API said 65
    let deadline: NodeJS.Timeout | undefined;
    const idleMs =
      (await Promise.race([closed, new Promise<number>((resolve) => (deadline = setTimeout(() => resolve(Infinity), scaled(10_000))))])) - answer.at;
    clearTimeout(deadline);
    expect(idleMs).toBeLessThan(Infinity); // HAProxy does close it, at `timeout http-keep-alive`
    expect(idleMs).toBeGreaterThanOrEqual((hint + 1) * 1000);
  });

  test("HAProxy's own answers carry the same hint", async () => {
    const answer = await exchange(await open(), 'PUT /items/1 HTTP/1.1\r\nHost: api\r\nContent-Length: 11\r\n\r\nhello world');
    expect(answer.status).toBe(413);
    expect(advertisedSeconds(answer.headers)).toBe(1);
  });
});
