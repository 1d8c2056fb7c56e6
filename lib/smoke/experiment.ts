import { ReplicationHealth } from '../postgres/replication-health-sql';
import { pollUntil } from '../polling/poll';
import { Probe, ProbeRecord } from './probe';
import { RollingUpdate, RollingUpdateStep, UpdateWindow } from './rolling-update';
import { ProbeSummary, RelativeWindow, summarizeProbe } from './summary';
import { HostFault, TopologyDriver } from './topology-driver';

/** What disturbs the system while the probe runs. */
export enum ExperimentScenario {
  /** Each host in turn goes through `fault` (by default a graceful update) and comes back. */
  ROLLING_UPDATE = 'rolling-update',
  /** HAProxy's config is changed and reloaded several times; the hosts stay up. */
  RELOAD = 'reload',
}

/** How hard the probe pushes and how the update goes. */
export interface ExperimentOptions {
  /**
   * Requests per second across all clients.
   * @default 2 (the article's one request every 500 ms)
   */
  readonly rate?: number;
  /**
   * Concurrent probe clients.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Fraction of requests that write a row (0 for none).
   * @default 0
   */
  readonly writeRatio?: number;
  /**
   * Drain each server before stopping it.
   * @default false
   */
  readonly drain?: boolean;
  /**
   * Restart each host's database node too.
   * @default false
   */
  readonly restartDatabase?: boolean;
  /**
   * What happens to each host.
   * @default HostFault.GRACEFUL
   */
  readonly fault?: HostFault;
  /**
   * Hosts to take down, in order.
   * @default server2, then server1
   */
  readonly hosts?: string[];
  /**
   * A rolling update (of `fault`s) or HAProxy reloads.
   * @default ExperimentScenario.ROLLING_UPDATE
   */
  readonly scenario?: ExperimentScenario;
  /**
   * Reloads in the reload scenario, one second apart, alternating the secondary's weight between 1 and 2.
   * @default 5
   */
  readonly reloads?: number;
  /**
   * Milliseconds each host stays down.
   * @default 5000
   */
  readonly downtimeMs?: number;
  /**
   * Milliseconds of probing before the update, and again after it.
   * @default 2000
   */
  readonly settleMs?: number;
  /**
   * Version the hosts are updated to.
   * @default 'v2'
   */
  readonly version?: string;
  /**
   * Called with each update step.
   * @default silent
   */
  readonly onStep?: (step: RollingUpdateStep, relativeMs: number) => void;
  /**
   * Called with a progress line.
   * @default silent
   */
  readonly onProgress?: (message: string) => void;
}

/** The figures of one run, the JSON `npm run smoke -- --json` prints. */
export interface ExperimentReport extends ProbeSummary {
  readonly target: string;
  readonly scenario: ExperimentScenario;
  readonly fault: HostFault;
  readonly drain: boolean;
  readonly restartDatabase: boolean;
  /** Milliseconds each host stayed down (0 for the reload scenario). */
  readonly downtimeMs: number;
  readonly rate: number;
  readonly concurrency: number;
  /** Acknowledged writes that are not on every database node once replication caught up. */
  readonly writesLost: number;
  /** Whether both database nodes ended up identical, every replicated table row by row. */
  readonly converged: boolean;
  /** Milliseconds the final check waited, once every acknowledged write was found, until the nodes were identical (or the deadline). */
  readonly convergeMs: number;
  /** Rows that still differed at the end (0 when converged). */
  readonly differingRows: number;
  /** Times the watchdog re-enabled a subscription pglogical had left down, while waiting for the writes and to converge. */
  readonly subscriptionNudges: number;
  /** Each node's replication health at the end: its subscription, the peer's slot, the WAL it keeps, the lag. */
  readonly replicationHealth: ReplicationHealth[];
  /** Milliseconds the probe ran. */
  readonly durationMs: number;
  /** Milliseconds the rolling update took, both hosts. */
  readonly updateMs: number;
  readonly windows: RelativeWindow[];
}

/** The report, plus every request for the timeline and the HTML chart. */
export interface ExperimentResult {
  readonly report: ExperimentReport;
  readonly records: ProbeRecord[];
}

const REPLICATION_DEADLINE_MS = 90_000;

/** Runs the probe through a full rolling update on any driver, then checks every acknowledged write. */
export async function runRollingUpdateExperiment(driver: TopologyDriver, options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const rate = options.rate ?? 2;
  const concurrency = options.concurrency ?? 1;
  const settleMs = options.settleMs ?? 2000;
  const progress = options.onProgress ?? (() => undefined);
  const probe = new Probe({ url: driver.url, intervalMs: (1000 * concurrency) / rate, concurrency, writeRatio: options.writeRatio ?? 0 });
  const update = new RollingUpdate(driver, {
    version: options.version ?? 'v2',
    drain: options.drain,
    restartDatabase: options.restartDatabase,
    fault: options.fault,
    hosts: options.hosts,
    downtimeMs: options.downtimeMs,
    onStep: (step) => options.onStep?.(step, step.time - probe.origin),
  });

  const scenario = options.scenario ?? ExperimentScenario.ROLLING_UPDATE;
  const fault = options.fault ?? HostFault.GRACEFUL;
  probe.start();
  let windows: RelativeWindow[] = [];
  let records: ProbeRecord[];
  try {
    progress(`probing ${driver.url} at ${rate} req/s with ${concurrency} client(s); settling ${settleMs} ms`);
    await delay(settleMs); // steady-state traffic before the update: part of the measurement
    let disturbed: UpdateWindow[];
    if (scenario === ExperimentScenario.RELOAD) {
      disturbed = await reloadUnderLoad(driver, options.reloads ?? 5, progress);
    } else {
      progress(`rolling ${fault}: ${update.order.join(' then ')}`);
      disturbed = await update.run();
    }
    windows = disturbed.map((w) => ({ host: w.host, startMs: w.start - probe.origin, endMs: w.end - probe.origin }));
    await delay(settleMs);
  } finally {
    records = await probe.stop();
  }
  const updateMs = windows.length > 0 ? windows[windows.length - 1].endMs - windows[0].startMs : 0;
  const summary = summarizeProbe(records, windows, driver.hosts[0]);
  const ids = records.flatMap((r) => (r.writeId ? [r.writeId] : []));
  progress(`${records.length} requests, ${summary.failures} failed; checking ${ids.length} acknowledged writes on every node`);
  const { lost: writesLost, nudges } = await countLostWrites(driver, ids);
  const convergence = await driver.waitForConvergence(REPLICATION_DEADLINE_MS);
  progress(
    convergence.identical
      ? `both nodes identical after ${convergence.elapsedMs} ms`
      : `the nodes still differ after ${convergence.elapsedMs} ms: ${convergence.differingRows} rows (${convergence.tables
          .flatMap((t) => t.differingKeys)
          .slice(0, 5)
          .join(', ')})`,
  );
  const replicationHealth = await Promise.all(driver.hosts.map((h) => driver.replicationHealth(h)));
  return {
    records,
    report: {
      target: driver.name,
      scenario,
      fault,
      drain: options.drain ?? false,
      restartDatabase: options.restartDatabase ?? false,
      downtimeMs: scenario === ExperimentScenario.RELOAD ? 0 : (options.downtimeMs ?? 5000),
      rate,
      concurrency,
      ...summary,
      writesLost,
      converged: convergence.identical,
      convergeMs: convergence.elapsedMs,
      differingRows: convergence.differingRows,
      subscriptionNudges: nudges + convergence.nudges,
      replicationHealth,
      durationMs: Math.round(records.length > 0 ? records[records.length - 1].at + records[records.length - 1].latencyMs : 0),
      updateMs: Math.round(updateMs),
      windows: windows.map((w) => ({ host: w.host, startMs: Math.round(w.startMs), endMs: Math.round(w.endMs) })),
    },
  };
}

/** Waits, with a deadline, for every id to be on every host; whatever is still missing then is lost. */
async function countLostWrites(driver: TopologyDriver, ids: string[]): Promise<{ lost: number; nudges: number }> {
  if (ids.length === 0) {
    return { lost: 0, nudges: 0 };
  }
  const missing = async () => {
    const counts = await Promise.all(driver.hosts.map((h) => driver.countRows(h, ids)));
    return ids.length - Math.min(...counts);
  };
  let nudges = 0;
  try {
    nudges = await driver.waitForReplication(REPLICATION_DEADLINE_MS);
    await pollUntil(async () => ((await missing()) === 0 ? true : undefined), {
      description: 'acknowledged writes to reach every node',
      timeoutMs: REPLICATION_DEADLINE_MS,
      intervalMs: 200,
    });
    return { lost: 0, nudges };
  } catch {
    return { lost: await missing(), nudges };
  }
}

/** Reloads HAProxy `count` times, a second apart, each with other weights; one window per reload. */
async function reloadUnderLoad(driver: TopologyDriver, count: number, progress: (message: string) => void): Promise<UpdateWindow[]> {
  const windows: UpdateWindow[] = [];
  for (let i = 0; i < count; i++) {
    const weights = driver.hosts.map((_, h) => (h === 0 ? 100 : 1 + ((i + 1) % 2)));
    progress(`reload ${i + 1}/${count}: weights ${weights.join('/')}`);
    const start = performance.now();
    await driver.reloadLoadBalancer(weights);
    windows.push({ host: 'haproxy', start, end: performance.now() });
    await delay(1000);
  }
  return windows;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
