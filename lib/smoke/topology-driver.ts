import { HaproxyServerState, ServerAdminState } from '../runtime/haproxy-runtime-client';

/** How a host goes down for its update. */
export interface HostStopOptions {
  /** Also stop the host's database node (and start it again before the API). */
  readonly restartDatabase: boolean;
  /** SIGKILL the API and crash the database instead of stopping them gracefully. */
  readonly crash: boolean;
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
  /** Takes a host down for its update. */
  stopHost(host: string, options: HostStopOptions): Promise<void>;
  /** Brings a host back with the new version. */
  startHost(host: string, version: string, options: HostStopOptions): Promise<void>;
  /** HAProxy's view of a server. */
  serverState(host: string): Promise<HaproxyServerState>;
  /** Sets a server's admin state through HAProxy's runtime API. */
  setServerState(host: string, state: ServerAdminState): Promise<void>;
  /** Waits until every host's replication is running again, or throws after `timeoutMs`. */
  waitForReplication(timeoutMs: number): Promise<void>;
  /** How many of `ids` are rows on this host's database node. */
  countRows(host: string, ids: string[]): Promise<number>;
}
