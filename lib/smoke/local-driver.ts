import { ReplicationHealth } from '../postgres/replication-health-sql';
import { ITEMS_TABLE } from '../postgres/render-bootstrap-sql';
import { ConvergenceReport } from '../replication/convergence';
import { HaproxyServerState, ServerAdminState } from '../runtime/haproxy-runtime-client';
import { LocalTopology } from '../runtime/local-topology';
import { HostFault, HostStopOptions, TopologyDriver } from './topology-driver';

/** Drives the rolling update and the faults on the local runtime's processes and packet filter. */
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
    const t = this.topology;
    switch (options.fault) {
      case HostFault.GRACEFUL:
      case HostFault.REPLACE:
        await t.stopApi(host, 'SIGTERM'); // drains itself first
        if (options.fault === HostFault.REPLACE) {
          t.isolate(host, { apiOnly: true }); // the old container's address is gone
        }
        if (options.restartDatabase) {
          await t.stopDatabase(host, 'fast');
        }
        return;
      case HostFault.CRASH:
        await t.stopApi(host, 'SIGKILL');
        await t.stopDatabase(host, 'immediate');
        return;
      case HostFault.HOST_LOSS:
        t.isolate(host); // packets vanish first; the power-off behind them is never seen
        await t.stopApi(host, 'SIGKILL');
        await t.stopDatabase(host, 'immediate');
        return;
      case HostFault.DB_CRASH:
        await t.stopDatabase(host, 'immediate');
        return;
      case HostFault.REBUILD:
        await t.loseData(host);
        return;
    }
  }

  async startHost(host: string, version: string, options: HostStopOptions): Promise<void> {
    const t = this.topology;
    t.reconnect(host);
    if (options.fault === HostFault.REBUILD) {
      await t.restoreFromPeer(host, version);
      return;
    }
    await t.startDatabase(host); // a no-op when it kept running
    if (options.fault !== HostFault.DB_CRASH) {
      await t.startApi(host, version);
    }
  }

  serverState(host: string): Promise<HaproxyServerState> {
    return this.topology.runtimeApi.server(host);
  }

  setServerState(host: string, state: ServerAdminState): Promise<void> {
    return this.topology.setServerState(host, state);
  }

  waitForReplication(timeoutMs: number): Promise<number> {
    return this.topology.waitForReplication(timeoutMs);
  }

  waitForConvergence(timeoutMs: number): Promise<ConvergenceReport> {
    return this.topology.waitForConvergence(timeoutMs);
  }

  replicationHealth(host: string): Promise<ReplicationHealth> {
    return this.topology.replicationHealth(host);
  }

  reloadLoadBalancer(weights: number[]): Promise<void> {
    return this.topology.reloadHaproxy({ weights });
  }

  async countRows(host: string, ids: string[]): Promise<number> {
    const rows = await this.topology
      .database(host)
      .query<{ n: string }>(`SELECT count(*) AS n FROM ${ITEMS_TABLE} WHERE id = ANY($1::uuid[])`, [ids]);
    return Number(rows[0].n);
  }
}
