import { FailoverStrategy } from '../haproxy/failover-strategy';
import { HaproxyFailureHandling, HaproxyHealthCheck, HaproxyTimeouts } from '../haproxy/haproxy-config-props';
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
}


/** Starts the local topology, runs the rolling-update experiment, and always tears down. */
export async function runLocalSmoke(options: LocalSmokeOptions = {}): Promise<SmokeResult> {
  const strategy = options.strategy ?? FailoverStrategy.WEIGHTED_STICK;
  const healthCheck = { ...SMOKE_HEALTH_CHECK, ...options.healthCheck };
  if (options.fault === HostFault.REPLACE || options.fault === HostFault.HOST_LOSS) {
    PacketFilter.assertAvailable(); // before anything starts
  }
  const topology = await LocalTopology.start({
    strategy, healthCheck, timeouts: options.timeouts, failureHandling: options.failureHandling, onProgress: options.onProgress,
  });
  try {
    const result = await runRollingUpdateExperiment(new LocalDriver(topology), options);
    return { records: result.records, report: { strategy, healthCheckIntervalMs: healthCheck.intervalMs, ...result.report } };
  } finally {
    await topology.stop();
  }
}
