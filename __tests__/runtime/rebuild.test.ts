import { LocalTopology } from '../../lib/node-runtime';
import { scaled } from '../support/time-scale';

// A host that comes back with nothing, on real PostgreSQL 15 + pglogical: its data directory is deleted, and it
// comes back through the path the image takes on an empty volume, copying everything from its peer while the
// peer keeps taking writes. Both hosts, the primary included.
jest.setTimeout(scaled(120_000));

const ROWS = 10_000;

describe('rebuilding a node from its peer (real postgres and pglogical)', () => {
  let topology: LocalTopology;

  beforeAll(async () => {
    topology = await LocalTopology.start();
    await topology
      .database('server1')
      .query(`INSERT INTO app.items (body, written_by) SELECT 'before ' || i, 'server1' FROM generate_series(1, ${ROWS}) i`);
    expect((await topology.waitForConvergence(30_000)).identical).toBe(true);
  });

  afterAll(async () => {
    await topology?.stop();
  });

  const count = async (host: string) => Number((await topology.database(host).query<{ n: string }>('SELECT count(*) AS n FROM app.items'))[0].n);

  test.each([
    ['server2', 'server1'],
    ['server1', 'server2'],
  ])('%s loses its disk while %s takes writes: it copies everything, nothing is lost, both directions replicate', async (lost, survivor) => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await topology.database(survivor).query("INSERT INTO app.items (body, written_by) VALUES ('during the rebuild', $1)", [survivor]);
        written++;
      }
    })();
    let report;
    try {
      report = await topology.rebuild(lost);
    } finally {
      writing = false;
      await writer;
    }
    expect(written).toBeGreaterThan(10);
    expect(report.syncedAfterMs).toBeLessThan(scaled(30_000));
    const convergence = await topology.waitForConvergence(30_000);
    expect(convergence.tables.filter((t) => !t.identical)).toEqual([]);
    expect(await count(lost)).toBe(await count(survivor));
    expect(await count(lost)).toBeGreaterThanOrEqual(ROWS + written);

    // And the other way: a write on the rebuilt node reaches its peer.
    const [{ id }] = await topology
      .database(lost)
      .query<{ id: string }>("INSERT INTO app.items (body, written_by) VALUES ('after the rebuild', $1) RETURNING id::text AS id", [lost]);
    expect((await topology.waitForConvergence(30_000)).identical).toBe(true);
    expect(await topology.database(survivor).query('SELECT 1 FROM app.items WHERE id = $1', [id])).toHaveLength(1);
    for (const host of [lost, survivor]) {
      expect(await topology.replicationHealth(host)).toMatchObject({ subscriptionStatus: 'replicating', peerSlotWalStatus: 'reserved' });
    }
    // The rebuilt node took the schema's migrations from its own migrate step.
    expect(await topology.database(lost).query('SELECT version FROM failover_api.schema_migrations')).toEqual([{ version: 1 }]);
  });
});
