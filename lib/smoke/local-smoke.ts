import { FailoverStrategy } from '../haproxy/failover-strategy';
import { HaproxyFailureHandling, HaproxyHealthCheck, HaproxyTimeouts } from '../haproxy/haproxy-config-props';
import { ITEMS_TABLE } from '../postgres/render-bootstrap-sql';
import { LocalTopology } from '../runtime/local-topology';
import { PacketFilter } from '../runtime/packet-filter';
import { ExperimentOptions, runRollingUpdateExperiment } from './experiment';
import { LocalDriver } from './local-driver';
import { SmokeResult } from './smoke-report';
import { SMOKE_HEALTH_CHECK } from './smoke-stack-contract';
import { HostFault } from './topology-driver';

/** Options of one smoke run on the local runtime. */
export interface LocalSmokeOptions extends ExperimentOptions {
  /**
   * HAProxy strategy under test.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
  /**
   * HAProxy health check.
   * @default every 2000 ms, fall 3, rise 2: detection takes longer than HAProxy's ~3 s of retries, so `backup` shows its 503s
   */
  readonly healthCheck?: HaproxyHealthCheck;
  /**
   * HAProxy timeouts.
   * @default the renderer's for the strategy
   */
  readonly timeouts?: HaproxyTimeouts;
  /**
   * HAProxy's failure handling.
   * @default the renderer's
   */
  readonly failureHandling?: HaproxyFailureHandling;
  /**
   * Rows written into the reference API's table (on server1, replicated) before the probe starts, so that a
   * rebuild has a real copy to make.
   * @default 0
   */
  readonly preloadRows?: number;
}

/** Starts the local topology, runs the rolling-update experiment, and always tears down. */
export async function runLocalSmoke(options: LocalSmokeOptions = {}): Promise<SmokeResult> {
  const strategy = options.strategy ?? FailoverStrategy.WEIGHTED_STICK;
  const healthCheck = { ...SMOKE_HEALTH_CHECK, ...options.healthCheck };
  if (options.fault === HostFault.REPLACE || options.fault === HostFault.HOST_LOSS) {
    PacketFilter.assertAvailable(); // before anything starts
  }
  const topology = await LocalTopology.start({
    strategy,
    healthCheck,
    timeouts: options.timeouts,
    failureHandling: options.failureHandling,
    onProgress: options.onProgress,
  });
  try {
    const preloadedRows = options.preloadRows ?? 0;
    if (preloadedRows > 0) {
      options.onProgress?.(`preloading ${preloadedRows} rows`);
      await topology
        .database(topology.primary)
        .query(`INSERT INTO ${ITEMS_TABLE} (body, written_by) SELECT 'preloaded ' || i, 'bench' FROM generate_series(1, $1::int) i`, [preloadedRows]);
      const convergence = await topology.waitForConvergence();
      if (!convergence.identical) {
        throw new Error(`the preloaded rows did not reach both nodes within ${convergence.elapsedMs} ms`);
      }
    }
    const result = await runRollingUpdateExperiment(new LocalDriver(topology), options);
    return {
      records: result.records,
      report: { strategy, healthCheckIntervalMs: healthCheck.intervalMs, ...(preloadedRows > 0 ? { preloadedRows } : {}), ...result.report },
    };
  } finally {
    await topology.stop();
  }
}
