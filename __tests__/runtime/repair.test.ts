import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { LocalTopology, repairSource } from '../../lib/node-runtime';
import { SCHEMA_CHANGE_LOCK } from '../../lib/postgres/render-schema-migrations';
import { scaled } from '../support/time-scale';
import { finalReport, verifyReplication } from '../support/verify-replication';

// Anti-entropy on real PostgreSQL 15 + pglogical: rows made to differ behind pglogical's back (written under a
// replication origin of their own, which pglogical never forwards) are repaired by one rule on both nodes.
jest.setTimeout(scaled(120_000));

test('the rule: the later commit wins, an exact tie goes to the node whose name sorts first, a lone row is copied', () => {
  const v = (node: string, committed: number) => ({ node, committed });
  expect(repairSource(v('server1', 10), v('server2', 11))).toEqual(v('server2', 11));
  expect(repairSource(v('server2', 12), v('server1', 11))).toEqual(v('server2', 12));
  // A tie: the same winner whichever node is asked first.
  expect(repairSource(v('server1', 10), v('server2', 10))).toEqual(v('server1', 10));
  expect(repairSource(v('server2', 10), v('server1', 10))).toEqual(v('server1', 10));
  expect(repairSource(undefined, v('server2', 10))).toEqual(v('server2', 10));
  expect(() => repairSource(undefined, undefined)).toThrow('a repair needs the row on at least one node');
});

describe('verify-replication --repair (real postgres and pglogical)', () => {
  let topology: LocalTopology;

  beforeAll(async () => {
    topology = await LocalTopology.start();
  });

  afterAll(async () => {
    await topology?.stop();
  });

  /**
   * Runs `sql` on a host's node so that pglogical does not forward it: a divergence, as a bug or a restore would
   * leave. With `committedAt`, its transaction's commit timestamp is that one, as pglogical's apply worker records
   * the origin's: PostgreSQL takes a replication origin session's transaction timestamp as the commit timestamp.
   */
  async function behindPglogical(host: string, sql: string, committedAt?: string): Promise<void> {
    const write = committedAt === undefined ? [sql] : ['BEGIN;', `SELECT pg_replication_origin_xact_setup('0/1', '${committedAt}');`, sql, 'COMMIT;'];
    await topology
      .database(host)
      .query(
        [
          "SELECT pg_replication_origin_create('forged') WHERE NOT EXISTS (SELECT FROM pg_replication_origin WHERE roname = 'forged');",
          "SELECT pg_replication_origin_session_setup('forged');",
          ...write,
          'SELECT pg_replication_origin_session_reset();',
        ].join('\n'),
      );
  }

  /** `verify-replication --repair` against the pair, as a user runs it; its final report. */
  function verifyAndRepair() {
    const run = verifyReplication(topology, '--timeout', '0', '--repair');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return finalReport(run);
  }

  const bodyOf = async (host: string, id: string) =>
    (await topology.database(host).query<{ body: string }>('SELECT body FROM app.items WHERE id = $1', [id]))[0]?.body;

  test('rows changed on one node only are repaired by the rule, and the pair is identical afterwards', async () => {
    const [older, newer, lone] = [randomUUID(), randomUUID(), randomUUID()];
    await topology
      .database('server1')
      .query("INSERT INTO app.items (id, body, written_by) VALUES ($1, 'v1', 'test'), ($2, 'v1', 'test')", [older, newer]);
    expect((await topology.waitForConvergence(30_000)).identical).toBe(true);
    await behindPglogical(
      'server1',
      `UPDATE app.items SET body = 'server1, first' WHERE id = '${older}'; INSERT INTO app.items (id, body, written_by) VALUES ('${lone}', 'only on server1', 'test');`,
    );
    await behindPglogical('server2', `UPDATE app.items SET body = 'server2, first' WHERE id = '${newer}';`);
    await behindPglogical('server2', `UPDATE app.items SET body = 'server2, later' WHERE id = '${older}';`);
    await behindPglogical('server1', `UPDATE app.items SET body = 'server1, later' WHERE id = '${newer}';`);
    const before = await topology.waitForConvergence(1000);
    expect(before.differingRows).toBe(3);

    const report = verifyAndRepair();
    expect(report.repair).toEqual({ tables: [{ table: 'app.items', written: [1, 2], ties: 0 }], unrepairable: [] });
    expect(report.identical).toBe(true);
    for (const host of ['server1', 'server2']) {
      expect(await bodyOf(host, older)).toBe('server2, later');
      expect(await bodyOf(host, newer)).toBe('server1, later');
      expect(await bodyOf(host, lone)).toBe('only on server1');
    }
    // Nothing of the repair is left to replicate: the pair stays identical.
    expect((await topology.waitForConvergence(5000)).identical).toBe(true);
  });

  test('an exact tie, the same commit timestamp to the microsecond on both nodes, goes to server1 on both, though server2 wrote later', async () => {
    const id = randomUUID();
    await topology.database('server1').query("INSERT INTO app.items (id, body, written_by) VALUES ($1, 'v1', 'test')", [id]);
    expect((await topology.waitForConvergence(30_000)).identical).toBe(true);
    const tie = '2026-01-01 00:00:00.123456+00';
    await behindPglogical('server1', `UPDATE app.items SET body = 'server1, tied' WHERE id = '${id}';`, tie);
    await behindPglogical('server2', `UPDATE app.items SET body = 'server2, tied' WHERE id = '${id}';`, tie);
    for (const host of ['server1', 'server2']) {
      const [version] = await topology
        .database(host)
        .query<{ committed: string }>(
          "SELECT to_char(pg_xact_commit_timestamp(xmin) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS committed FROM app.items WHERE id = $1",
          [id],
        );
      expect(`${host}: ${version.committed}`).toBe(`${host}: 2026-01-01 00:00:00.123456`);
    }

    const report = verifyAndRepair();
    expect(report.repair).toEqual({ tables: [{ table: 'app.items', written: [0, 1], ties: 1 }], unrepairable: [] });
    expect(report.identical).toBe(true);
    for (const host of ['server1', 'server2']) {
      expect(`${host}: ${await bodyOf(host, id)}`).toBe(`${host}: server1, tied`);
    }
  });

  test("the image's divergence check reports a difference only once two checks saw it unchanged, and nothing for an identical pair", async () => {
    const id = randomUUID();
    await topology.database('server1').query("INSERT INTO app.items (id, body, written_by) VALUES ($1, 'v1', 'test')", [id]);
    expect((await topology.waitForConvergence(30_000)).identical).toBe(true);
    expect(await topology.checkDivergence('server1')).toEqual([]);

    await behindPglogical('server2', `UPDATE app.items SET body = 'server2 only' WHERE id = '${id}';`);
    const digest = async (host: string) =>
      (await topology.database(host).query<{ d: string }>('SELECT md5(t::text) AS d FROM app.items t WHERE id = $1', [id]))[0].d;
    const row = { table: 'app.items', key: id, here: await digest('server1'), peer: await digest('server2') };
    // The first check could be a write in flight; the second, with both versions unchanged, is a divergence.
    expect(await topology.checkDivergence('server1')).toEqual([]);
    expect(await topology.checkDivergence('server1')).toEqual([row]);
    // While a migration holds the schema-change lock on either node, a check skips its round (no ALTER may queue
    // behind its reads), and reports the row again after.
    for (const host of ['server1', 'server2']) {
      const migration = new Client({
        host: topology.database(host).socketDir,
        port: topology.database(host).options.port,
        user: 'postgres',
        database: 'api',
      });
      await migration.connect();
      try {
        await migration.query(`SELECT pg_advisory_lock(${SCHEMA_CHANGE_LOCK})`);
        expect(await topology.checkDivergence('server1')).toEqual([]);
      } finally {
        await migration.end();
      }
    }
    expect(await topology.checkDivergence('server1')).toEqual([row]);
    // A version that changes meanwhile starts over.
    await behindPglogical('server2', `UPDATE app.items SET body = 'server2 again' WHERE id = '${id}';`);
    expect(await topology.checkDivergence('server1')).toEqual([]);
    expect(await topology.checkDivergence('server1')).toEqual([{ ...row, peer: await digest('server2') }]);

    await topology.repair();
    expect(await topology.checkDivergence('server1')).toEqual([]);
    expect(await topology.checkDivergence('server1')).toEqual([]);
  });
});
