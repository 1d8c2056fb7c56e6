import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FailoverStrategy, HAPROXY_BACKEND_NAME, HaproxyConfig } from '../../lib';
import { HaproxyRuntimeClient, pollUntil, Probe } from '../../lib/node-runtime';
import { freePort } from '../../lib/runtime/free-port';
import { ManagedProcess } from '../../lib/runtime/managed-process';
import { pidsMentioning } from '../support/processes';
import { scaled } from '../support/time-scale';

// The HAProxy image's entrypoint, run here against the real haproxy 2.6 the image installs: what a `cdktf deploy`
// of a changed config does (the config writer swaps the file in the runtime volume), under load.
const RELOADER = resolve(__dirname, '../../lib/haproxy/docker/haproxy-reloader.sh');

jest.setTimeout(scaled(60_000));

async function backend(address: string, name: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('x-served-by', name);
    res.end('OK');
  });
  await new Promise<void>((done) => server.listen(0, address, done));
  return server;
}

describe("haproxy-reloader.sh (the HAProxy image's entrypoint) with real haproxy", () => {
  let dir: string;
  let reloader: ManagedProcess;
  let servers: Server[];
  let runtimeApi: HaproxyRuntimeClient;
  let render: (weights: [number, number]) => string;
  let url: string;

  // The config writer's move: a complete file appears at once.
  const swapIn = (config: string) => {
    writeFileSync(join(dir, 'haproxy.cfg.new'), config);
    renameSync(join(dir, 'haproxy.cfg.new'), join(dir, 'haproxy.cfg'));
  };
  const log = () => readFileSync(join(dir, 'reloader.log'), 'utf8');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haproxy-reloader-'));
    servers = [await backend('127.0.0.11', 'server1'), await backend('127.0.0.12', 'server2')];
    const frontendPort = await freePort('127.0.0.10');
    url = `http://127.0.0.10:${frontendPort}`;
    render = (weights) =>
      HaproxyConfig.render({
        strategy: FailoverStrategy.WEIGHTED_STICK,
        servers: servers.map((s, i) => ({
          name: `server${i + 1}`,
          address: `127.0.0.1${i + 1}`,
          port: (s.address() as AddressInfo).port,
          weight: weights[i],
        })),
        frontend: { address: '127.0.0.10', port: frontendPort },
        healthCheck: { intervalMs: 500 },
        runtimeApi: { socketPath: join(dir, 'admin.sock') },
        serverStateFile: join(dir, 'server-state'),
      });
    swapIn(render([100, 1]));
    reloader = ManagedProcess.start({
      name: 'haproxy-reloader',
      command: 'sh',
      args: [RELOADER],
      logFile: join(dir, 'reloader.log'),
      env: {
        PATH: process.env.PATH,
        HAPROXY_CONFIG: join(dir, 'haproxy.cfg'),
        HAPROXY_SOCKET: join(dir, 'admin.sock'),
        HAPROXY_SERVER_STATE: join(dir, 'server-state'),
      },
    });
    runtimeApi = new HaproxyRuntimeClient(HaproxyRuntimeClient.unixSocket(join(dir, 'admin.sock')), HAPROXY_BACKEND_NAME);
    await pollUntil(async () => ((await runtimeApi.servers()).every((s) => s.status === 'UP') ? true : undefined), {
      description: 'both servers UP',
      timeoutMs: scaled(15_000),
      intervalMs: 100,
    });
  });

  afterAll(async () => {
    await reloader?.stop('SIGTERM', 10_000);
    for (const pid of pidsMentioning(dir)) {
      process.kill(pid, 'SIGKILL'); // only if the reloader failed to stop its haproxy; the test below says so
    }
    servers?.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });

  test('a new config file is checked and applied with a seamless reload; a refused one is ignored; nothing fails', async () => {
    const probe = new Probe({ url, intervalMs: 20, concurrency: 4 });
    probe.start();
    try {
      swapIn(render([50, 2]));
      await pollUntil(async () => ((await runtimeApi.server('server1')).weight === 50 ? true : undefined), {
        description: 'the new weights to be live',
        timeoutMs: scaled(10_000),
        intervalMs: 100,
      });
      expect(log()).toContain('changed; reloaded');
      // The servers' states were saved for the new worker.
      expect(readFileSync(join(dir, 'server-state'), 'utf8')).toContain('api_backend');

      swapIn('global\n    no-such-keyword\n');
      await pollUntil(async () => (log().includes('haproxy -c refused it') ? true : undefined), {
        description: 'the reloader to refuse the bad file',
        timeoutMs: scaled(10_000),
        intervalMs: 100,
      });
      // The reason is in the log too (it ran `haproxy -c -q`, which said nothing).
      expect(log()).toMatch(/\[ALERT\].*no-such-keyword/);
      expect((await runtimeApi.server('server1')).weight).toBe(50);
      expect((await fetch(`${url}/`)).status).toBe(200);
    } finally {
      const records = await probe.stop();
      expect(records.length).toBeGreaterThan(50);
      expect(records.filter((r) => r.status !== 200)).toEqual([]);
    }
  });

  test('SIGTERM stops the reloader and its haproxy: nothing is left running', async () => {
    await reloader.stop('SIGTERM', 10_000);
    expect(reloader.running).toBe(false);
    await pollUntil(async () => (pidsMentioning(dir).length === 0 ? true : undefined), { description: 'haproxy to exit', timeoutMs: scaled(5000) });
  });
});
