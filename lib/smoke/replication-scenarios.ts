import { ITEMS_TABLE } from '../postgres/render-bootstrap-sql';
import { randomUUID } from 'node:crypto';
import { ConvergenceReport } from '../replication/convergence';
import { LocalTopology } from '../runtime/local-topology';
import { LocalDriver } from './local-driver';
import { Probe, ProbeRecord } from './probe';

/** What the multi-master scenarios exercise. */
export enum ReplicationScenario {
  /** The replication link is cut both ways while both APIs keep writing to their own node; then it heals. */
  PARTITION = 'partition',
  /** One database node is down while its peer takes writes; then it comes back and catches up. */
  CATCH_UP = 'catch-up',
  /** The same rows are updated on both nodes during a partition; last_update_wins must pick one winner everywhere. */
  CONFLICTS = 'conflicts',
  /** Each node's database crashes in turn while both APIs write; after each restart the pair must converge at once. */
  RECONNECT = 'reconnect',
}

/** Sizes of one scenario run. */
export interface ReplicationScenarioOptions {
  /**
   * Milliseconds the partition or the outage lasts.
   * @default 10000 (partition, conflicts), 60000 (catch-up), 5000 (reconnect: pglogical's own retry interval)
   */
  readonly durationMs?: number;
  /**
   * Crashes, alternating between the nodes, server2 first (reconnect).
   * @default 4
   */
  readonly cycles?: number;
  /**
   * Writes per second to each writing API (partition, catch-up).
   * @default 100 (partition), 170 (catch-up: 10,000 writes in 60 s)
   */
  readonly rate?: number;
  /**
   * Rows updated on both sides (conflicts).
   * @default 100
   */
  readonly rows?: number;
  /**
   * Updates, spread over the rows and alternating between the nodes (conflicts).
   * @default 1000
   */
  readonly updates?: number;
  /**
   * Milliseconds to wait for the nodes to converge.
   * @default 120000
   */
  readonly convergeTimeoutMs?: number;
  /**
   * Called with progress lines.
   * @default silent
   */
  readonly onProgress?: (message: string) => void;
}

/** The figures of one scenario run. */
export interface ReplicationScenarioReport {
  readonly scenario: ReplicationScenario;
  readonly durationMs: number;
  /** Writes (or updates) the APIs acknowledged. */
  readonly writesAcked: number;
  /** Acknowledged writes missing from a node once the nodes converged (inserts only; an update's loser is no loss). */
  readonly writesLost: number;
  /** Conflicts pglogical logged on both nodes during the run. */
  readonly conflicts: number;
  /** Milliseconds from the heal (or the restart) until the nodes were identical; reconnect: the slowest crash. */
  readonly convergeMs: number;
  /** Reconnect only: milliseconds from each restart until the nodes were identical (-1: they were not). */
  readonly cycleConvergeMs?: number[];
  readonly identical: boolean;
  readonly differingRows: number;
  /** Times the watchdog re-enabled a subscription pglogical had left down. */
  readonly subscriptionNudges: number;
  /** Conflicts only: rows whose final value is the version with the later commit timestamp of the two sides. */
  readonly winnersByLatestCommit?: number;
  /** Conflicts only: rows whose two versions had equal commit timestamps (pglogical 2.4.2 does not break ties). */
  readonly ties?: number;
  /** Conflicts only: the rows updated. */
  readonly rows?: number;
}

/** Runs one scenario on a started topology, and reports; the topology's partition is always healed. */
export async function runReplicationScenario(
  topology: LocalTopology,
  scenario: ReplicationScenario,
  options: ReplicationScenarioOptions = {},
): Promise<ReplicationScenarioReport> {
  const progress = options.onProgress ?? (() => undefined);
  const conflictsBefore = totalConflicts(topology);
  const started = Date.now();
  let acked: string[] = [];
  let recoveredAt = started;
  let conflictState: ConflictState | undefined;
  const cycleConvergeMs: number[] = [];
  let cycleNudges = 0;
  try {
    switch (scenario) {
      case ReplicationScenario.PARTITION: {
        const durationMs = options.durationMs ?? 10_000;
        const writers = topology.hostNames.map((h) => writer(topology.apiUrl(h), options.rate ?? 100));
        writers.forEach((w) => w.start());
        progress(`partition: cutting the replication link for ${durationMs} ms; both APIs keep writing to their own node`);
        topology.partition();
        await delay(durationMs);
        const records = (await Promise.all(writers.map((w) => w.stop()))).flat();
        topology.heal();
        recoveredAt = Date.now();
        acked = ackedIds(records);
        break;
      }
      case ReplicationScenario.CATCH_UP: {
        const durationMs = options.durationMs ?? 60_000;
        const [primary, peer] = topology.hostNames;
        progress(`catch-up: ${peer}'s database down for ${durationMs} ms while ${primary} takes writes`);
        await topology.stopDatabase(peer, 'immediate');
        const w = writer(topology.apiUrl(primary), options.rate ?? 170);
        w.start();
        await delay(durationMs);
        acked = ackedIds(await w.stop());
        progress(`${acked.length} writes acknowledged; starting ${peer}'s database`);
        await topology.startDatabase(peer);
        recoveredAt = Date.now();
        break;
      }
      case ReplicationScenario.RECONNECT: {
        const durationMs = options.durationMs ?? 5000;
        const cycles = options.cycles ?? 4;
        for (let i = 0; i < cycles; i++) {
          const crashed = topology.hostNames[(i + 1) % topology.hostNames.length]; // server2 first, as a rolling update
          const writers = topology.hostNames.map((h) => writer(topology.apiUrl(h), options.rate ?? 100));
          writers.forEach((w) => w.start());
          progress(`reconnect ${i + 1}/${cycles}: ${crashed}'s database crashes for ${durationMs} ms; both APIs keep writing`);
          await topology.stopDatabase(crashed, 'immediate');
          await delay(durationMs);
          await topology.startDatabase(crashed);
          const restartedAt = Date.now();
          acked.push(...ackedIds((await Promise.all(writers.map((w) => w.stop()))).flat()));
          const convergence = await topology.waitForConvergence(options.convergeTimeoutMs ?? 120_000);
          const convergeMs = Date.now() - restartedAt;
          cycleConvergeMs.push(convergence.identical ? convergeMs : -1);
          cycleNudges += convergence.nudges;
          progress(
            `reconnect ${i + 1}/${cycles}: ${convergence.identical ? `identical ${convergeMs} ms after the restart` : 'the nodes still differ'}`,
          );
        }
        recoveredAt = Date.now();
        break;
      }
      case ReplicationScenario.CONFLICTS: {
        conflictState = await conflictingUpdates(topology, options, progress);
        recoveredAt = conflictState.healedAt;
        break;
      }
    }
  } finally {
    topology.heal();
  }
  const waitStarted = Date.now();
  const convergence = await topology.waitForConvergence(options.convergeTimeoutMs ?? 120_000);
  const driver = new LocalDriver(topology);
  const lost = acked.length === 0 ? 0 : acked.length - Math.min(...(await Promise.all(topology.hostNames.map((h) => driver.countRows(h, acked)))));
  const report: ReplicationScenarioReport = {
    scenario,
    durationMs: Date.now() - started,
    writesAcked: conflictState?.updatesAcked ?? acked.length,
    writesLost: lost,
    conflicts: totalConflicts(topology) - conflictsBefore,
    convergeMs:
      cycleConvergeMs.length === 0
        ? waitStarted - recoveredAt + convergence.elapsedMs
        : cycleConvergeMs.includes(-1)
          ? -1
          : Math.max(...cycleConvergeMs),
    identical: convergence.identical,
    differingRows: convergence.differingRows,
    subscriptionNudges: convergence.nudges + cycleNudges,
    ...(cycleConvergeMs.length > 0 ? { cycleConvergeMs } : {}),
    ...(conflictState ? await conflictWinners(topology, conflictState) : {}),
  };
  progress(
    `${scenario}: ${report.identical ? 'identical' : `${report.differingRows} rows differ`} after ${report.convergeMs} ms, ${report.conflicts} conflicts logged, ${report.writesLost} writes lost`,
  );
  return report;
}

/** A probe that only writes (idempotent PUTs with fresh ids) to one API. */
function writer(url: string, rate: number): Probe {
  const concurrency = 4;
  return new Probe({ url, intervalMs: (1000 * concurrency) / rate, concurrency, writeRatio: 1, requestTimeoutMs: 5000 });
}

function ackedIds(records: ProbeRecord[]): string[] {
  return records.flatMap((r) => (r.writeId ? [r.writeId] : []));
}

function totalConflicts(topology: LocalTopology): number {
  return topology.hostNames.reduce((sum, h) => sum + topology.conflictsLogged(h), 0);
}

interface RowVersion {
  readonly body: string;
  /** Commit time in microseconds since the epoch, as text. */
  readonly committed: string;
}

interface ConflictState {
  readonly healedAt: number;
  readonly ids: string[];
  readonly updatesAcked: number;
  /** Each node's version of each row just before the heal. */
  readonly before: Map<string, RowVersion>[];
}

async function rowVersions(topology: LocalTopology, host: string, ids: string[]): Promise<Map<string, RowVersion>> {
  const rows = await topology
    .database(host)
    .query<{ id: string; body: string; committed: string }>(
      `SELECT id::text, body, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint::text AS committed FROM ${ITEMS_TABLE} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  return new Map(rows.map((r) => [r.id, { body: r.body, committed: r.committed }]));
}

async function put(url: string, id: string, body: string): Promise<boolean> {
  const res = await fetch(`${url}/api/v1/items/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body }),
    signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res.ok;
}

/** Writes the rows, partitions, updates them on both sides, records each side's versions, heals. */
async function conflictingUpdates(
  topology: LocalTopology,
  options: ReplicationScenarioOptions,
  progress: (m: string) => void,
): Promise<ConflictState> {
  const rows = options.rows ?? 100;
  const updates = options.updates ?? 1000;
  const [a, b] = topology.hostNames;
  const ids = Array.from({ length: rows }, () => randomUUID());
  for (const id of ids) {
    await put(topology.apiUrl(a), id, 'initial');
  }
  const written: ConvergenceReport = await topology.waitForConvergence(60_000);
  if (!written.identical) {
    throw new Error(`the ${rows} initial rows did not reach both nodes: ${written.differingRows} differ`);
  }
  progress(`conflicts: ${rows} rows on both nodes; cutting the link and updating them ${updates} times, alternating nodes`);
  topology.partition();
  let updatesAcked = 0;
  const durationMs = options.durationMs ?? 10_000;
  const pause = Math.max(0, durationMs / updates - 1);
  for (let k = 0; k < updates; k++) {
    const host = k % 2 === 0 ? a : b;
    if (await put(topology.apiUrl(host), ids[k % rows], `update ${k} on ${host}`)) {
      updatesAcked++;
    }
    await delay(pause);
  }
  const before = await Promise.all([a, b].map((h) => rowVersions(topology, h, ids)));
  topology.heal();
  return { healedAt: Date.now(), ids, updatesAcked, before };
}

/** After convergence: did every row end with the version that committed last, as last_update_wins says? */
async function conflictWinners(
  topology: LocalTopology,
  state: ConflictState,
): Promise<Pick<ReplicationScenarioReport, 'winnersByLatestCommit' | 'ties' | 'rows'>> {
  const final = await rowVersions(topology, topology.hostNames[0], state.ids);
  let winners = 0;
  let ties = 0;
  for (const id of state.ids) {
    const [va, vb] = state.before.map((m) => m.get(id));
    if (!va || !vb) {
      continue;
    }
    if (va.committed === vb.committed) {
      ties++;
      continue;
    }
    const latest = BigInt(va.committed) > BigInt(vb.committed) ? va : vb;
    if (final.get(id)?.body === latest.body) {
      winners++;
    }
  }
  return { winnersByLatestCommit: winners, ties, rows: state.ids.length };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
