import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailoverStrategy } from '../../lib';
import { LocalTopology, pollUntil } from '../../lib/node-runtime';
import { postItem } from '../support/api-client';
import { pidsMentioning } from '../support/processes';
import { scaled } from '../support/time-scale';

jest.setTimeout(scaled(120_000));

async function idsOn(topology: LocalTopology, host: string, ids: string[]): Promise<number> {
  const rows = await topology.database(host).query<{ n: string }>('SELECT count(*) AS n FROM app.items WHERE id = ANY($1::uuid[])', [ids]);
  return Number(rows[0].n);
}

/** Polls until every id is on `host`; replication after a restart can take 15 s or more. */
async function waitForIds(topology: LocalTopology, host: string, ids: string[]): Promise<void> {
  await pollUntil(async () => ((await idsOn(topology, host, ids)) === ids.length ? true : undefined), {
    description: `${ids.length} rows to reach ${host}`,
    timeoutMs: scaled(60_000),
    intervalMs: 100,
  });
}

describe('LocalTopology (real postgres, pglogical, haproxy)', () => {
  let topology: LocalTopology;

  beforeAll(async () => {
    topology = await LocalTopology.start({ strategy: FailoverStrategy.WEIGHTED_STICK, healthCheck: { intervalMs: 200, fall: 2, rise: 1 } });
  });

  afterAll(async () => {
    await topology?.stop();
  });

  test("both servers are UP behind haproxy, with the article's weights", async () => {
    const states = await topology.serverStates();
    expect(states.map((s) => [s.name, s.status, s.weight])).toEqual([
      ['server1', 'UP', 100],
      ['server2', 'UP', 1],
    ]);
    expect(topology.hostNames.map((h) => topology.apiVersion(h))).toEqual(['v1', 'v1']);
  });

  test.each([
    ['server1', 'server2'],
    ['server2', 'server1'],
  ])("a row written through %s's API is read from %s's database", async (writer, reader) => {
    const id = await postItem(topology.apiUrl(writer), `from ${writer}`);
    await waitForIds(topology, reader, [id]);
    const rows = await topology.database(reader).query<{ written_by: string }>('SELECT written_by FROM app.items WHERE id = $1', [id]);
    expect(rows).toEqual([{ written_by: writer }]);
  });

  test.each([
    ['server1', 'server2'],
    ['server2', 'server1'],
  ])("200 writes through %s while %s's database is down all reach both nodes", async (writer, down) => {
    await topology.stopDatabase(down);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        ids.push(await postItem(topology.apiUrl(writer), `while ${down} is down #${i}`));
      }
    } finally {
      await topology.startDatabase(down);
    }
    expect(ids).toHaveLength(200);
    await topology.waitForReplication();
    await waitForIds(topology, down, ids);
    expect(await idsOn(topology, writer, ids)).toBe(200);
    expect(await idsOn(topology, down, ids)).toBe(200);
  });

  test("/check.txt fails while the server's own database is down, so haproxy takes it out, then back", async () => {
    await topology.stopDatabase('server2');
    try {
      const res = await fetch(`${topology.apiUrl('server2')}/check.txt`);
      expect(res.status).toBe(503);
      await topology.waitForServerStatus('server2', 'DOWN', 15_000);
      expect((await topology.runtimeApi.server('server2')).status).toBe('DOWN');
    } finally {
      await topology.startDatabase('server2');
    }
    await topology.waitForServerStatus('server2', 'UP', 15_000);
    expect((await fetch(`${topology.apiUrl('server2')}/check.txt`)).status).toBe(200);
  });

  test('PUT /api/v1/items/{uuid} is idempotent: a replay writes the same row again, never a second one', async () => {
    const id = randomUUID();
    const put = (body: string) =>
      fetch(`${topology.url}/api/v1/items/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ body }),
        signal: AbortSignal.timeout(5000),
      });
    expect((await put('first')).status).toBe(201);
    expect((await put('again')).status).toBe(200);
    const rows = await topology.database('server1').query<{ body: string }>('SELECT body FROM app.items WHERE id = $1', [id]);
    expect(rows).toEqual([{ body: 'again' }]);
    expect((await fetch(`${topology.url}/api/v1/items/not-a-uuid`, { method: 'PUT', body: '{}' })).status).toBe(400);
  });

  test('SIGTERM drains the API itself: 404 on the health path, haproxy stops sending, then it exits', async () => {
    const stopping = topology.stopApi('server2');
    // disable-on-404: HAProxy reports the server NOLB once a check got the 404, while the API still serves.
    await topology.waitForServerStatus('server2', 'NOLB', 10_000);
    const direct = await fetch(`${topology.apiUrl('server2')}/api/v1/system/health`);
    expect(direct.status).toBe(200);
    expect((await fetch(`${topology.apiUrl('server2')}/check.txt`)).status).toBe(404);
    await stopping;
    const log = readFileSync(join(topology.baseDir, 'api-server2.log'), 'utf8');
    expect(log).toMatch(/drained in \d+ ms \(the health check saw the 404 after \d+ ms/);
    await topology.startApi('server2', 'v1');
    await topology.waitForServerStatus('server2', 'UP', 15_000);
  });

  test("isolate() makes a host's address drop packets (an iptables rule of our own); reconnect() removes it", async () => {
    topology.isolate('server2', { apiOnly: true });
    try {
      expect(execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' })).toMatch(
        /-A FAILOVER-\w+ -d 127\.0\.0\.12\/32 -p tcp -m tcp --dport \d+ -j DROP/,
      );
      await expect(fetch(`${topology.apiUrl('server2')}/api/v1/system/health`, { signal: AbortSignal.timeout(500) })).rejects.toThrow();
      expect(topology.isolated).toHaveLength(1);
    } finally {
      topology.reconnect('server2');
    }
    expect(topology.isolated).toEqual([]);
    expect((await fetch(`${topology.apiUrl('server2')}/api/v1/system/health`)).status).toBe(200);
  });

  test('replication lag, write on one node to visible on the other (reported)', async () => {
    await topology.waitForReplication();
    const lags: number[] = [];
    for (let i = 0; i < 50; i++) {
      const writer = i % 2 === 0 ? 'server1' : 'server2';
      const reader = writer === 'server1' ? 'server2' : 'server1';
      const started = performance.now();
      const id = await postItem(topology.apiUrl(writer), `lag #${i}`);
      await pollUntil(async () => ((await idsOn(topology, reader, [id])) === 1 ? true : undefined), {
        description: 'row to replicate',
        timeoutMs: scaled(60_000),
        intervalMs: 2,
      });
      lags.push(performance.now() - started);
    }
    lags.sort((a, b) => a - b);
    const median = lags[Math.floor(lags.length / 2)];
    const max = lags[lags.length - 1];
    console.log(`replication lag over ${lags.length} writes (write + poll on the peer): median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    // Bounds well inside the poll's deadline, so a slow stream fails here and says by how much.
    expect(median).toBeLessThan(scaled(500));
    expect(max).toBeLessThan(scaled(10_000));
  });
});

describe('LocalTopology teardown', () => {
  test('stop() leaves no process, no temp dir and no iptables rule behind, even with a host still isolated', async () => {
    const topology = await LocalTopology.start();
    const dir = topology.baseDir;
    expect(pidsMentioning(dir).length).toBeGreaterThanOrEqual(3); // 2 postgres, haproxy (+ the APIs' children)
    topology.isolate('server1');
    expect(execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' })).toContain('FAILOVER-');
    await topology.stop();
    expect(execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' })).not.toContain('FAILOVER-');
    expect(pidsMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    await expect(fetch(`${topology.url}/api/v1/system/health`)).rejects.toThrow();
  });

  test('bad options fail before anything starts', async () => {
    await expect(LocalTopology.start({ healthCheck: { path: 'no-slash' } })).rejects.toThrow(
      "healthCheck.path: must be a URL path starting with '/'",
    );
  });

  test('a start that fails midway stops what it started and removes its temp dir', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'broken-api-'));
    try {
      const brokenApi = join(scratch, 'api.js');
      writeFileSync(brokenApi, 'process.exit(3);\n');
      let dir = '';
      const start = LocalTopology.start({
        apiEntry: brokenApi,
        onProgress: (line) => {
          dir ||= /in (\S+)$/.exec(line)?.[1] ?? '';
        },
      });
      await expect(start).rejects.toThrow('api server1 exited');
      expect(dir).not.toBe('');
      expect(pidsMentioning(dir)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
