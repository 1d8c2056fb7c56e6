import { SELF_DRAIN_CHECK_HEADER } from '../../lib';
import { LocalTopology, pollUntil, ReplicationHealth } from '../../lib/node-runtime';
import { scaled } from '../support/time-scale';

// failover_api.replication_health() on real PostgreSQL 15 + pglogical: what it says of a healthy pair, and of a
// peer that was away while its node wrote more WAL than max_slot_wal_keep_size allows.
jest.setTimeout(scaled(120_000));

const LIMIT_MB = 32;

describe('replication health and bounded WAL (real postgres and pglogical)', () => {
  let topology: LocalTopology;

  beforeAll(async () => {
    topology = await LocalTopology.start({ maxSlotWalKeepSizeMb: LIMIT_MB });
  });

  afterAll(async () => {
    await topology?.stop();
  });

  const healthOf = (node: string): Promise<ReplicationHealth> => topology.replicationHealth(node);

  test('a healthy pair: each node replicating from its peer, the peer reading its slot, little WAL kept', async () => {
    await topology.database('server1').query("INSERT INTO app.items (body, written_by) VALUES ('health', 'test')");
    for (const node of ['server1', 'server2']) {
      const health = await pollUntil(
        async () => {
          const h = await healthOf(node);
          return h.peerSlotActive && h.peerLagBytes === 0 ? h : undefined;
        },
        { description: `${node}'s peer to be reading its slot`, timeoutMs: scaled(30_000), intervalMs: 200 },
      );
      expect(health).toMatchObject({ node, subscriptionStatus: 'replicating', peerSlotActive: true, peerSlotWalStatus: 'reserved' });
      expect(health.retainedWalBytes).toBeLessThan(LIMIT_MB * 1024 * 1024);
    }
  });

  test("readiness: a node not joined gets no traffic; HAProxy's check says 503, Docker's own says 200", async () => {
    const healthUrl = `${topology.apiUrl('server2')}/check.txt`;
    const haproxyCheck = { [SELF_DRAIN_CHECK_HEADER.name]: SELF_DRAIN_CHECK_HEADER.value };
    expect((await fetch(healthUrl, { headers: haproxyCheck })).status).toBe(200);
    await topology.database('server2').query('UPDATE failover_api.local_node SET joined = false');
    try {
      expect((await fetch(healthUrl, { headers: haproxyCheck })).status).toBe(503);
      expect((await fetch(healthUrl)).status).toBe(200);
      await topology.waitForServerStatus('server2', 'DOWN', 15_000);
    } finally {
      await topology.database('server2').query('UPDATE failover_api.local_node SET joined = true');
    }
    await topology.waitForServerStatus('server2', 'UP', 15_000);
  });

  test('a peer away while its node writes past max_slot_wal_keep_size: the slot is lost, and health says so', async () => {
    // server2 first takes a write server1 has not read (server1's stream from it is paused), so the resync
    // below must keep it.
    await topology.database('server1').query("SELECT pglogical.alter_subscription_disable('from_server2', true)");
    await topology.database('server2').query("INSERT INTO app.items (body, written_by) VALUES ('only on server2', 'test')");
    await topology.stopDatabase('server2');
    await topology.database('server1').query("SELECT pglogical.alter_subscription_enable('from_server2', true)");
    // About four times the limit in WAL (1 KiB rows), then checkpoints, where PostgreSQL enforces the limit.
    await topology.database('server1').query(`INSERT INTO app.items (body, written_by)
      SELECT repeat(md5(i::text), 32), 'bulk' FROM generate_series(1, ${4 * LIMIT_MB * 1024}) i`);
    const server1 = await pollUntil(
      async () => {
        await topology.database('server1').query('CHECKPOINT');
        const h = await healthOf('server1');
        return h.peerSlotWalStatus === 'lost' ? h : undefined;
      },
      { description: "server1 to report server2's slot lost", timeoutMs: scaled(30_000), intervalMs: 500 },
    );
    expect(server1).toMatchObject({ peerSlotActive: false, peerSlotWalStatus: 'lost', retainedWalBytes: null });
    // server1 keeps serving: it never waits for a peer.
    const res = await fetch(`${topology.url}/api/v1/system/health`);
    expect(res.status).toBe(200);
  });

  test('the peer whose slot was lost resyncs by itself when it returns: not ready meanwhile, its own write kept, the pair converges', async () => {
    const bulkRows = Number(
      (await topology.database('server1').query<{ n: string }>("SELECT count(*) AS n FROM app.items WHERE written_by = 'bulk'"))[0].n,
    );
    await topology.startDatabase('server2');
    // The watchdog loop, as the image's bootstrap, sees resync_needed() and copies server1's data again. It
    // waits out HAProxy's detection time before it empties its tables: HAProxy must have it DOWN by then, and
    // must never see it UP while its tables are empty or half-copied.
    const server2 = topology.database('server2');
    const joinedOn = async (node: string) =>
      (await topology.database(node).query<{ joined: boolean }>('SELECT joined FROM failover_api.local_node'))[0].joined;
    const joined = () => joinedOn('server2');
    // The copy is one transaction on server2, larger than the limit: it must not cost server1 its place, and
    // server1, which has every write, must never resync itself from the node that is copying it.
    const server1Left: string[] = [];
    const server1StaysJoined = async (when: string) => {
      if (!(await joinedOn('server1'))) {
        server1Left.push(when);
      }
    };
    const rowsBefore = Number((await server2.query<{ n: string }>('SELECT count(*) AS n FROM app.items'))[0].n);
    await pollUntil(async () => ((await joined()) ? undefined : true), {
      description: 'server2 to leave the joined state for its resync',
      timeoutMs: scaled(30_000),
      intervalMs: 100,
    });
    const upWhileEmpty: string[] = [];
    let downWhileNotJoined = false;
    await pollUntil(
      async () => {
        await server1StaysJoined('during the resync');
        if (await joined()) {
          return true;
        }
        const rows = Number((await server2.query<{ n: string }>('SELECT count(*) AS n FROM app.items'))[0].n);
        const status = (await topology.serverStates()).find((st) => st.name === 'server2')?.status ?? 'missing';
        downWhileNotJoined ||= status.startsWith('DOWN');
        if (rows < rowsBefore && status.startsWith('UP')) {
          upWhileEmpty.push(`${status} with ${rows} rows`);
        }
        return undefined;
      },
      { description: 'server2 to resync and join again', timeoutMs: scaled(60_000), intervalMs: 100 },
    );
    expect({ upWhileEmpty, downWhileNotJoined }).toEqual({ upWhileEmpty: [], downWhileNotJoined: true });
    const convergence = await topology.waitForConvergence(30_000);
    expect(convergence.tables.filter((t) => !t.identical)).toEqual([]);
    for (const node of ['server1', 'server2']) {
      const rows = await topology
        .database(node)
        .query<{ written_by: string; n: string }>(
          "SELECT written_by, count(*) AS n FROM app.items WHERE written_by IN ('bulk', 'test') AND body <> 'health' GROUP BY 1 ORDER BY 1",
        );
      expect({ node, rows }).toEqual({
        node,
        rows: [
          { written_by: 'bulk', n: String(bulkRows) },
          { written_by: 'test', n: '1' },
        ],
      });
    }
    // The new slot is healthy once a checkpoint has dropped the WAL the lost one held (`unreserved` until then).
    for (const node of ['server1', 'server2']) {
      const health = await pollUntil(
        async () => {
          await topology.database(node).query('CHECKPOINT');
          await server1StaysJoined(`after a checkpoint on ${node}`);
          const h = await healthOf(node);
          return h.subscriptionStatus === 'replicating' && h.peerSlotWalStatus === 'reserved' ? h : undefined;
        },
        { description: `${node} to replicate from its peer, with the peer's slot reserved`, timeoutMs: scaled(30_000), intervalMs: 500 },
      );
      expect(health.retainedWalBytes).toBeLessThan(LIMIT_MB * 1024 * 1024);
    }
    await topology.waitForServerStatus('server2', 'UP', scaled(15_000));
    await server1StaysJoined('at the end');
    expect(server1Left).toEqual([]);
  });
});
