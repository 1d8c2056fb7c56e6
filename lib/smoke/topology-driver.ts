import { ReplicationHealth } from '../postgres/replication-health-sql';
import { ConvergenceReport } from '../replication/convergence';
import { HaproxyServerState, ServerAdminState } from '../runtime/haproxy-runtime-client';

/** What happens to a host: a planned update, or a fault. Each is a driver operation, so one orchestrator runs them all. */
export enum HostFault {
  /** A planned update: SIGTERM (the API drains itself and finishes what is in flight), then a new version starts. */
  GRACEFUL = 'graceful',
  /** What `cdktf deploy` does to a container: SIGTERM, then its address is gone for the downtime, then a new API starts. */
  REPLACE = 'replace',
  /** The API is SIGKILLed and its database crashes (immediate shutdown, recovery on restart). */
  CRASH = 'crash',
  /** The host's address silently drops every packet (power off, cut cable); then the host comes back and its processes restart. */
  HOST_LOSS = 'host-loss',
  /** Only the host's database crashes; its API keeps running and answers 503 for what needs the database. */
  DB_CRASH = 'db-crash',
  /**
   * The host's disk is lost: its API and database die with their data. It comes back empty, copies everything from
   * its peer, and its API starts only once both directions replicate (local target only, for now).
   */
  REBUILD = 'rebuild',
}

export const HOST_FAULTS: readonly HostFault[] = Object.values(HostFault);

/** How a host goes down for its update. */
export interface HostStopOptions {
  /** What happens to the host. */
  readonly fault: HostFault;
  /** Also stop the host's database node (and start it again before the API); implied by crash and host-loss. */
  readonly restartDatabase: boolean;
}

/**
 * What the rolling update needs from a topology. The local runtime implements it with processes;
 * a Docker driver implements it with `cdktf deploy`.
 */
export interface TopologyDriver {
  /** Human-readable name of the target, e.g. 'local'. */
  readonly name: string;
  /** Host names, the primary first. */
  readonly hosts: string[];
  /** Base URL the probe targets (HAProxy's frontend). */
  readonly url: string;
  /** Takes a host down for its update, or injects the fault. */
  stopHost(host: string, options: HostStopOptions): Promise<void>;
  /** Brings a host back with the new version, undoing the fault. */
  startHost(host: string, version: string, options: HostStopOptions): Promise<void>;
  /** HAProxy's view of a server. */
  serverState(host: string): Promise<HaproxyServerState>;
  /** Sets a server's admin state through HAProxy's runtime API. */
  setServerState(host: string, state: ServerAdminState): Promise<void>;
  /** Waits until every host's replication is running again, or throws after `timeoutMs`; resolves with the watchdog's nudges. */
  waitForReplication(timeoutMs: number): Promise<number>;
  /** How many of `ids` are rows on this host's database node. */
  countRows(host: string, ids: string[]): Promise<number>;
  /** Waits until both database nodes hold the same rows, or `timeoutMs` passes, and reports how they compare. */
  waitForConvergence(timeoutMs: number): Promise<ConvergenceReport>;
  /** The host's node's `failover_api.replication_health()`: its subscription, the peer's slot, WAL kept, lag. */
  replicationHealth(host: string): Promise<ReplicationHealth>;
  /** Applies new weights (one per host) to the running HAProxy without dropping a connection. */
  reloadLoadBalancer(weights: number[]): Promise<void>;
}
