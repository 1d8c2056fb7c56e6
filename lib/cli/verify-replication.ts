import { Client } from 'pg';
import { CONVERGENCE_SESSION_OPTIONS } from '../postgres/convergence-sql';
import { SUBSCRIPTION_STATUS_SQL } from '../postgres/subscription-watchdog-sql';
import { REPLICATION_HEALTH_SQL, replicationHealthOf } from '../postgres/replication-health-sql';
import { describeReplicationHealth } from '../smoke/report-text';
import { RepairReport, repairNodes, ReplicaNode, rowAsText, waitForConvergence } from '../replication/convergence';
import { kickSubscriptions, SubscriptionNode } from '../replication/replication-wait';
import { numberFlag, parseWithPositionals, progressPrinter, runCli, UsageError } from './cli-options';

const USAGE = `usage: npm run verify-replication -- <dsn1> <dsn2> [options]

Compares two pglogical nodes table by table (every table in a replication set, and every table of the app
schema even if it is missing from the set): row counts and an md5 of
every row, in primary-key order. Waits until they are identical or the timeout passes, then names the
differing keys. Reads only, unless --nudge or --repair is given.

  <dsn1> <dsn2>       libpq connection strings, e.g. postgres://user@10.0.0.5:5432/api
  --timeout MS        how long to wait for the nodes to converge (default 30000; 0 compares once)
  --nudge             restart a subscription that is 'down' while the other node answers (needs a superuser),
                      as the watchdog does
  --repair            when the nodes still differ: write each differing row's winning version on the node
                      that lacks it (the later commit wins; an exact tie goes to the node whose name sorts
                      first; a row on one node only is copied), then compare again. A delete that never
                      replicated comes back, and a table missing on one node or without a primary key is
                      only reported (README, "Anti-entropy")
  --json              print the report as one JSON object on the last line

After the comparison it prints each node's failover_api.replication_health() (nodes this library bootstrapped):
the subscription's status, the peer's slot (wal_status 'lost': the peer cannot catch up, and copies this node's
data again when it returns), the WAL kept, the lag.

Exit code: 0 when the nodes are identical, 1 when they differ (or cannot be read), 2 for a bad command line.`;

runCli(USAGE, async () => {
  const { values, positionals: dsns } = parseWithPositionals(process.argv.slice(2), {
    timeout: { type: 'string' },
    nudge: { type: 'boolean' },
    repair: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (dsns.length !== 2) {
    throw new UsageError(`give exactly two connection strings, got ${dsns.length}`);
  }
  const timeoutMs = numberFlag(values, 'timeout', 30_000, 0, 3_600_000);
  const progress = progressPrinter();
  const clients = dsns.map(
    (connectionString) => new Client({ connectionString, options: CONVERGENCE_SESSION_OPTIONS, connectionTimeoutMillis: 5000 }),
  );
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const name = (i: number) => `node ${i + 1}`;
    const replicas: ReplicaNode[] = clients.map((c, i) => ({
      name: name(i),
      query: async (sql, params = []) => (await c.query(sql, params)).rows.map(rowAsText),
    }));
    const subscriptions: SubscriptionNode[] = clients.map((c, i) => ({
      name: name(i),
      statuses: async () => (await c.query<{ status: string }>(SUBSCRIPTION_STATUS_SQL)).rows.map((r) => r.status),
      kick: () => kickSubscriptions(async (sql) => (await c.query(sql)).rows),
    }));
    const compare = () =>
      waitForConvergence(replicas[0], replicas[1], { timeoutMs, subscriptions: values.nudge ? subscriptions : undefined, onNudge: progress });
    let report = await compare();
    let repair: RepairReport | undefined;
    if (values.repair && !report.identical) {
      // Under the nodes' names, so the tie-break is the same whichever order the DSNs come in.
      const named = await Promise.all(
        replicas.map(async (r) => ({ ...r, name: (await r.query(REPLICATION_HEALTH_SQL).catch(() => [{ node: r.name }]))[0]?.node ?? r.name })),
      );
      repair = await repairNodes(named[0], named[1]);
      for (const t of repair.tables) {
        console.log(
          `repaired ${t.table}: ${t.written.map((n, i) => `${n} rows written on ${named[i].name}`).join(', ')}${t.ties > 0 ? ` (${t.ties} ties, by node name)` : ''}`,
        );
      }
      for (const t of repair.unrepairable) {
        console.log(`cannot repair ${t} row by row (missing on one node, or no primary key)`);
      }
      report = await compare();
    }
    for (const t of report.tables) {
      console.log(
        `${t.table}: ${t.rows.join(' / ')} rows, ${t.identical ? 'identical' : `${t.differingRows} rows differ: ${t.differingKeys.join(', ')}${t.differingRows > t.differingKeys.length ? ', ...' : ''}`}`,
      );
    }
    console.log(report.identical ? `identical after ${report.elapsedMs} ms` : `still differing after ${report.elapsedMs} ms`);
    // Nodes bootstrapped by this library have replication_health(); others (or a role without rights) skip it.
    const health = await Promise.all(
      clients.map((c) =>
        c.query(REPLICATION_HEALTH_SQL).then(
          (r) => replicationHealthOf(r.rows[0]),
          () => undefined,
        ),
      ),
    );
    health.forEach((h, i) => h && console.log(`${name(i)} (${h.node}): ${describeReplicationHealth(h)}`));
    if (values.json) {
      console.log(JSON.stringify({ ...report, repair, replicationHealth: health.filter((h) => h !== undefined) }));
    }
    return report.identical ? 0 : 1;
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
  }
});
