import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { kickSubscriptions, LocalTopology, pollUntil, SUBSCRIPTION_STATUS_SQL } from '../../lib/node-runtime';
import { scaled } from '../support/time-scale';

// Why a subscription stays down after its provider restarts, proved on real PostgreSQL 15 + pglogical 2.4, and
// the watchdog that brings it back (lib/postgres/subscription-watchdog-sql.ts has the reasoning from the source).
jest.setTimeout(scaled(120_000));

// pglogical's own restart of a crashed apply worker comes MIN_SLEEP (5 s) after the crash.
const MIN_SLEEP_MS = 5000;
const FAILED_RESTART = /could not connect to the postgresql server in replication mode/;

async function status(topology: LocalTopology, node: string): Promise<string> {
  return (await topology.database(node).query<{ status: string }>(SUBSCRIPTION_STATUS_SQL)).map((r) => r.status).join(',');
}

/**
 * Crashes server2's database and keeps it down until server1's apply worker has been restarted by pglogical and
 * failed at once (connection refused); then starts it again. Resolves with when the failed restart was logged.
 */
async function crashThroughAFailedRestart(topology: LocalTopology): Promise<number> {
  const log = topology.database('server1').logFile;
  const failuresBefore = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => FAILED_RESTART.test(l)).length;
  await topology.stopDatabase('server2', 'immediate');
  await pollUntil(
    async () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => FAILED_RESTART.test(l)).length > failuresBefore
        ? true
        : undefined,
    { description: "pglogical's restart of server1's apply worker to fail while server2 is down", timeoutMs: MIN_SLEEP_MS + 10_000, intervalMs: 50 },
  );
  const failedAt = Date.now();
  await topology.startDatabase('server2');
  return failedAt;
}

describe('a subscription whose provider restarts (real postgres and pglogical)', () => {
  test('pglogical alone forgets a worker whose restart failed; one restart by the watchdog brings it back at once', async () => {
    const topology = await LocalTopology.start({ subscriptionWatchdog: false });
    try {
      // A race inside pglogical: the worker is forgotten when it fails before the manager sees it attached, which
      // a refused connection usually does. So up to three tries, each a crash through a failed restart; in each,
      // the subscription is watched until two seconds past the moment a manager that had not forgotten the worker
      // would have restarted it (MIN_SLEEP after the failure), with its provider up all along.
      const tries: string[][] = [];
      while (tries.length < 3 && !(tries.length > 0 && tries[tries.length - 1].join() === 'down')) {
        await topology.waitForReplication();
        const failedAt = await crashThroughAFailedRestart(topology);
        const seen = new Set<string>();
        while (Date.now() < failedAt + MIN_SLEEP_MS + 2000) {
          seen.add(await status(topology, 'server1'));
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        tries.push([...seen]);
      }
      expect(tries[tries.length - 1]).toEqual(['down']);

      const restartedAt = Date.now();
      expect(await kickSubscriptions((sql) => topology.database('server1').query(sql))).toBe(1);
      await topology.waitForReplication(2000);
      expect(Date.now() - restartedAt).toBeLessThan(scaled(2000));
    } finally {
      await topology.stop();
    }
  });

  test("after a host loss, the watchdog restarts the peer's subscription left on the lost host's dead connection", async () => {
    const progress: string[] = [];
    const topology = await LocalTopology.start({ onProgress: (m) => progress.push(m) });
    const stale = async () =>
      (await topology.database('server2').query<{ name: string }>('SELECT name FROM failover_api.stale_subscriptions() AS name;')).map((r) => r.name);
    try {
      await topology.waitForReplication();
      // A healthy pair: nothing is stale, and the watchdog restarts nothing.
      expect(await stale()).toEqual([]);
      expect(await kickSubscriptions((sql) => topology.database('server2').query(sql))).toBe(0);

      // server1's host vanishes (its packets first, then its processes) and returns after 8 s. server2's
      // apply worker sent nothing meanwhile, so its TCP connection to the old postmaster still looks alive.
      topology.isolate('server1');
      await topology.stopApi('server1', 'SIGKILL');
      await topology.stopDatabase('server1', 'immediate');
      await new Promise((resolve) => setTimeout(resolve, 8000)); // the fault's length, not a wait for readiness
      topology.reconnect('server1');
      await topology.startDatabase('server1');
      const startedAt = Date.now();
      const id = randomUUID();
      await topology.database('server1').query(`INSERT INTO app.items (id, body, written_by) VALUES ('${id}', 'after the loss', 'server1');`);
      // Without the watchdog's restart, it arrived 12 s later: when pglogical's 20 s keepalive drew a reset.
      await pollUntil(
        async () => ((await topology.database('server2').query(`SELECT 1 FROM app.items WHERE id = '${id}';`)).length > 0 ? true : undefined),
        { description: "server1's write after its return to reach server2", timeoutMs: scaled(5000), intervalMs: 50 },
      );
      expect(Date.now() - startedAt).toBeLessThan(scaled(5000));
      expect(progress.filter((m) => m.startsWith('server2: restarted a subscription'))).toHaveLength(1);
      expect(await stale()).toEqual([]);
    } finally {
      await topology.stop();
    }
  });
});
