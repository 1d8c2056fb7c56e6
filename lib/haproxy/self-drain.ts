import { FailoverStrategy } from './failover-strategy';
import { HaproxyFailureHandling, HaproxyHealthCheck } from './haproxy-config-props';
import { HEALTH_CHECK_DEFAULTS } from './resolve-haproxy-props';

/** The parts of `HaproxyConfigProps` the self-drain depends on. */
export interface SelfDrainProps {
  /**
   * The load balancer's strategy; under `BACKUP` there is no drain.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
  /**
   * The health check that has to see the 404.
   * @default the renderer's
   */
  readonly healthCheck?: HaproxyHealthCheck;
  /**
   * The failure handling; with `drainOn404: false` there is no drain.
   * @default the renderer's
   */
  readonly failureHandling?: HaproxyFailureHandling;
}

/**
 * How long an API drains itself on SIGTERM, and how long its orchestrator must wait before a SIGKILL.
 * Derived from the health check, so the API, the local runtime and the containers cannot drift apart.
 */
export interface SelfDrainTimings {
  /**
   * Longest the API answers 404 on the health path waiting for HAProxy to notice. The drain normally ends as soon
   * as a check has seen the 404 (within one interval); this bound only matters when no check comes. It is
   * `SELF_DRAIN_CAP_MS`, or one interval plus one check timeout and a second when that is longer, so a
   * health-check change on a LAN does not change it (it sits in the container's env, which Terraform can only
   * change by replacing the container). 0 where HAProxy does not drain on a 404 (backup, or `drainOn404: false`):
   * there a 404 would only fail checks.
   */
  readonly drainTimeoutMs: number;
  /** Once HAProxy has seen the 404, how long no request may arrive before the API stops listening. */
  readonly quietMs: number;
  /** Then, how long requests in flight may take before their connections are cut. */
  readonly shutdownGraceMs: number;
  /** The least stop timeout (SIGTERM to SIGKILL) that lets all of the above run: drain, quiet, grace and 5 s to exit. */
  readonly stopTimeoutSeconds: number;
}

/**
 * The header HAProxy's health check carries (`http-check send hdr`). A draining API counts a request on its health
 * path as HAProxy having seen the 404 only when it carries this header: another client of that path, such as the
 * container's own Docker healthcheck, must not end the drain before HAProxy has looked.
 */
export const SELF_DRAIN_CHECK_HEADER = { name: 'X-Failover-Check', value: 'haproxy' };

/** Milliseconds of silence after HAProxy marks the server draining: requests it had already routed land within it. */
export const SELF_DRAIN_QUIET_MS = 500;
/** Milliseconds in-flight requests get once the API stops listening. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** The drain's bound when no health check sees the 404; health-check intervals up to 27 s fit inside it. */
export const SELF_DRAIN_CAP_MS = 30_000;

/** The API's self-drain on SIGTERM, timed from the health check that has to see it. */
export class SelfDrain {
  /** Every self-drain timing, derived from the strategy and the health check. */
  public static timings(props?: SelfDrainProps): SelfDrainTimings {
    return timingsOf(props ?? {});
  }

  private constructor() {}
}

/** @deprecated Use `SelfDrain.timings`; this alias goes in 0.3.0. */
export function selfDrainTimings(props: SelfDrainProps = {}): SelfDrainTimings {
  return timingsOf(props);
}

function timingsOf(props: SelfDrainProps): SelfDrainTimings {
  const intervalMs = props.healthCheck?.intervalMs ?? HEALTH_CHECK_DEFAULTS.intervalMs;
  const timeoutMs = props.healthCheck?.timeoutMs ?? HEALTH_CHECK_DEFAULTS.timeoutMs;
  const drainsOn404 = props.strategy !== FailoverStrategy.BACKUP && (props.failureHandling?.drainOn404 ?? true);
  const drainTimeoutMs = drainsOn404 ? Math.max(SELF_DRAIN_CAP_MS, intervalMs + timeoutMs + 1000) : 0;
  return {
    drainTimeoutMs,
    quietMs: SELF_DRAIN_QUIET_MS,
    shutdownGraceMs: SHUTDOWN_GRACE_MS,
    stopTimeoutSeconds: Math.ceil((drainTimeoutMs + SELF_DRAIN_QUIET_MS + SHUTDOWN_GRACE_MS) / 1000) + 5,
  };
}
