import { ITEMS_TABLE } from '../postgres/render-bootstrap-sql';
import { HaproxyServerState, ServerAdminState } from '../runtime/haproxy-runtime-client';
import { LocalTopology } from '../runtime/local-topology';
import { HostStopOptions, TopologyDriver } from './topology-driver';

/** Drives the rolling update on the local runtime's processes. */
export class LocalDriver implements TopologyDriver {
  readonly name = 'local';

  constructor(private readonly topology: LocalTopology) {}

  get hosts(): string[] {
    return this.topology.hostNames;
  }

  get url(): string {
    return this.topology.url;
  }

  async stopHost(host: string, options: HostStopOptions): Promise<void> {
    await this.topology.stopApi(host, options.crash ? 'SIGKILL' : 'SIGTERM');
    if (options.restartDatabase) {
      await this.topology.stopDatabase(host, options.crash ? 'immediate' : 'fast');
    }
  }

  async startHost(host: string, version: string, options: HostStopOptions): Promise<void> {
    if (options.restartDatabase) {
      await this.topology.startDatabase(host);
    }
    await this.topology.startApi(host, version);
  }

  serverState(host: string): Promise<HaproxyServerState> {
    return this.topology.runtimeApi.server(host);
  }

  setServerState(host: string, state: ServerAdminState): Promise<void> {
    return this.topology.setServerState(host, state);
  }

  waitForReplication(timeoutMs: number): Promise<void> {
    return this.topology.waitForReplication(timeoutMs);
  }

  async countRows(host: string, ids: string[]): Promise<number> {
    const rows = await this.topology.database(host).query<{ n: string }>(
      `SELECT count(*) AS n FROM ${ITEMS_TABLE} WHERE id = ANY($1::uuid[])`, [ids]);
    return Number(rows[0].n);
  }
}
