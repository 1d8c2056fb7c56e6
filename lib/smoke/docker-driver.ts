import { FailoverStrategy } from '../haproxy/failover-strategy';
import { HAPROXY_SOCKET_PATH } from '../haproxy/haproxy-container-layout';
import { HAPROXY_BACKEND_NAME } from '../haproxy/render-haproxy-config';
import { BDR_WATCHDOG_SQL_PATH } from '../postgres/bdr-container-layout';
import { ITEMS_TABLE } from '../postgres/render-bootstrap-sql';
import { REPLICATION_HEALTH_SQL, ReplicationHealth, replicationHealthOf } from '../postgres/replication-health-sql';
import { SUBSCRIPTION_STATUS_SQL } from '../postgres/subscription-watchdog-sql';
import { HaproxyRuntimeClient, HaproxyServerState, ServerAdminState } from '../runtime/haproxy-runtime-client';
import { pollUntil } from '../polling/poll';
import { SubscriptionNode, waitUntilReplicating } from '../replication/replication-wait';
import { ConvergenceReport, ReplicaNode, rowAsText, waitForConvergence } from '../replication/convergence';
import { CONVERGENCE_SESSION_OPTIONS } from '../postgres/convergence-sql';
import { CommandRunner, runChecked } from './command-runner';
import {
  SMOKE_FRONTEND_PORT,
  SMOKE_HOSTS,
  SMOKE_IMAGE_REGISTRY_ENV,
  SMOKE_NETWORK,
  SMOKE_STACK_NAME,
  SMOKE_STRATEGY_ENV,
  SMOKE_WEIGHTS_ENV,
  smokeContainers,
  versionVariableName,
} from './smoke-stack-contract';
import { HostFault, HostStopOptions, TopologyDriver } from './topology-driver';

/** Options of the Docker driver. */
export interface DockerDriverOptions {
  readonly runner: CommandRunner;
  readonly strategy: FailoverStrategy;
  /** Passwords handed to Terraform as TF_VAR_api_password and TF_VAR_replication_password. */
  readonly apiPassword: string;
  readonly replicationPassword: string;
  /**
   * Version both hosts start with.
   * @default 'v1'
   */
  readonly initialVersion?: string;
  /**
   * URL the probe targets.
   * @default http://127.0.0.1:8080, HAProxy's published frontend
   */
  readonly frontendUrl?: string;
  /**
   * Directory of the cdktf project (holding cdktf.json).
   * @default the current directory
   */
  readonly projectDir?: string;
  /**
   * A registry or mirror path holding the official images (the shipped images' bases and the probe's curl),
   * passed to the smoke stack.
   * @default Docker Hub
   */
  readonly imageRegistry?: string;
  /**
   * Pass `--skip-provider-lock` to cdktf: `terraform providers lock` always asks the provider registry, which a
   * machine whose providers come from a filesystem mirror cannot reach.
   * @default false
   */
  readonly skipProviderLock?: boolean;
  /**
   * Called with progress lines.
   * @default silent
   */
  readonly onProgress?: (message: string) => void;
}

/** HAProxy's runtime API in a container of the shipped image, through `docker exec ... socat` (it has socat). */
export function runtimeApiInContainer(runner: CommandRunner, container: string): HaproxyRuntimeClient {
  return new HaproxyRuntimeClient(
    (command) =>
      runChecked(runner, 'docker', ['exec', '-i', container, 'socat', 'stdio', `UNIX-CONNECT:${HAPROXY_SOCKET_PATH}`], {
        input: `${command}\n`,
        timeoutMs: 15_000,
      }),
    HAPROXY_BACKEND_NAME,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UP_DEADLINE_MS = 180_000;

/** The Docker driver cannot lose a volume yet; the Docker stage tests the image's rejoin (issue #19). */

/**
 * Drives the smoke stack on a real Docker daemon: each step of the rolling update is a `cdktf deploy` that
 * changes one host's version variable, so Terraform replaces that host's API container. HAProxy's runtime API is
 * reached with `docker exec` into its container (the shipped image has socat).
 */
export class DockerDriver implements TopologyDriver {
  readonly name = 'docker';
  readonly hosts = SMOKE_HOSTS;
  readonly url: string;
  readonly runtimeApi: HaproxyRuntimeClient;
  private readonly versions: Record<string, string>;
  private weights?: number[];

  constructor(private readonly options: DockerDriverOptions) {
    this.url = options.frontendUrl ?? `http://127.0.0.1:${SMOKE_FRONTEND_PORT}`;
    this.versions = Object.fromEntries(SMOKE_HOSTS.map((h) => [h, options.initialVersion ?? 'v1']));
    this.runtimeApi = runtimeApiInContainer(options.runner, smokeContainers.haproxy);
  }

  /** `cdktf deploy` with the current versions, then waits until HAProxy has both servers UP. */
  async bringUp(): Promise<void> {
    await this.deploy();
    for (const host of this.hosts) {
      await this.waitForStatus(host, 'UP');
    }
  }

  /** `cdktf destroy`; the volumes go with the containers. */
  async tearDown(): Promise<void> {
    this.options.onProgress?.(`cdktf destroy ${SMOKE_STACK_NAME}`);
    await runChecked(
      this.options.runner,
      'npx',
      ['--no-install', 'cdktf', 'destroy', SMOKE_STACK_NAME, '--auto-approve', ...this.lockFlags()],
      this.cdktfOptions(),
    );
  }

  async stopHost(host: string, options: HostStopOptions): Promise<void> {
    const docker = (...args: string[]) => runChecked(this.options.runner, 'docker', args);
    const api = smokeContainers.api(host);
    const db = smokeContainers.database(host);
    switch (options.fault) {
      case HostFault.GRACEFUL:
      case HostFault.REPLACE:
        // The deploy in startHost is the replacement itself (SIGTERM, the old address gone, a new container).
        if (options.restartDatabase) {
          await docker('stop', db);
        }
        return;
      case HostFault.HOST_LOSS:
        // Off the network first, so packets vanish rather than meet a closed port.
        await docker('network', 'disconnect', '--force', SMOKE_NETWORK, api);
        await docker('network', 'disconnect', '--force', SMOKE_NETWORK, db);
        await docker('kill', api);
        await docker('kill', db);
        return;
      case HostFault.CRASH:
        await docker('kill', api);
        await docker('kill', db);
        return;
      case HostFault.DB_CRASH:
        await docker('kill', db);
        return;
      case HostFault.REBUILD:
        // The disk is lost: the node's container and volume go (the smoke stack does not protect its volumes),
        // and the deploy in startHost creates both anew, so the image's bootstrap copies the peer's data.
        await docker('kill', api);
        await docker('rm', '--force', db, smokeContainers.migrator(host));
        await docker('volume', 'rm', smokeContainers.dataVolume(host));
        return;
    }
  }

  async startHost(host: string, version: string, options: HostStopOptions): Promise<void> {
    const docker = (...args: string[]) => runChecked(this.options.runner, 'docker', args);
    const db = smokeContainers.database(host);
    if (options.fault === HostFault.HOST_LOSS) {
      await docker('network', 'connect', SMOKE_NETWORK, db);
      await docker('network', 'connect', SMOKE_NETWORK, smokeContainers.api(host));
    }
    if (options.restartDatabase || ![HostFault.GRACEFUL, HostFault.REPLACE, HostFault.REBUILD].includes(options.fault)) {
      await docker('start', db);
    }
    if (options.fault === HostFault.DB_CRASH) {
      return;
    }
    this.versions[host] = version;
    await this.deploy();
  }

  /** A deploy with new weights: Terraform replaces only the config writer, and HAProxy's reloader reloads. */
  async reloadLoadBalancer(weights: number[]): Promise<void> {
    this.weights = weights;
    await this.deploy();
    // The reloader polls the config file every second; wait until the running HAProxy has the new weights.
    await pollUntil(
      async () => {
        const states = await Promise.all(this.hosts.map((h) => this.serverState(h)));
        return states.every((s, i) => s.weight === weights[i]) ? true : undefined;
      },
      { description: `haproxy to run with weights ${weights.join('/')}`, timeoutMs: 30_000, intervalMs: 250 },
    );
  }

  serverState(host: string): Promise<HaproxyServerState> {
    return this.runtimeApi.server(host);
  }

  setServerState(host: string, state: ServerAdminState): Promise<void> {
    return this.runtimeApi.setState(host, state);
  }

  waitForReplication(timeoutMs: number): Promise<number> {
    return waitUntilReplicating(this.subscriptionNodes(), { timeoutMs, intervalMs: 1000, onNudge: this.options.onProgress });
  }

  private subscriptionNodes(): SubscriptionNode[] {
    return this.hosts.map((host) => ({
      name: host,
      statuses: async () =>
        (await this.psql(host, SUBSCRIPTION_STATUS_SQL))
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
      // The same rendered watchdog the image runs every second; its last line is how many it restarted.
      kick: async () => Number((await this.psql(host, `\\i ${BDR_WATCHDOG_SQL_PATH}`)).trim().split('\n').pop()) || 0,
    }));
  }

  async countRows(host: string, ids: string[]): Promise<number> {
    const safe = ids.filter((id) => UUID.test(id));
    const out = await this.psql(host, `SELECT count(*) FROM ${ITEMS_TABLE} WHERE id = ANY('{${safe.join(',')}}'::uuid[]);`);
    return Number(out.trim());
  }

  /** The probe container's log: one line per request of the article's curl loop. */
  async probeLog(): Promise<string[]> {
    const out = await this.options.runner.run('docker', ['logs', smokeContainers.probe]);
    return `${out.stdout}`.split('\n').filter((l) => l.trim().length > 0);
  }

  waitForConvergence(timeoutMs: number): Promise<ConvergenceReport> {
    const [a, b] = this.hosts.map((host): ReplicaNode => ({
      name: host,
      // One JSON line per statement, so rows come back with their column names.
      query: async (sql, params = []) => {
        const inlined = params.reduce(
          (text, p, i) => text.replace(new RegExp(`\\$${i + 1}\\b`, 'g'), `'${p.replace(/'/g, "''")}'`),
          sql.replace(/;\s*$/, ''),
        );
        const out = await this.psql(host, `SELECT coalesce(json_agg(q), '[]') FROM (${inlined}) q;`, CONVERGENCE_SESSION_OPTIONS);
        return (JSON.parse(out.trim() || '[]') as Record<string, unknown>[]).map(rowAsText);
      },
    }));
    return waitForConvergence(a, b, { timeoutMs, intervalMs: 1000, subscriptions: this.subscriptionNodes(), onNudge: this.options.onProgress });
  }

  async replicationHealth(host: string): Promise<ReplicationHealth> {
    const out = await this.psql(host, `SELECT coalesce(json_agg(q), '[]') FROM (${REPLICATION_HEALTH_SQL.replace(/;$/, '')}) q;`);
    return replicationHealthOf((JSON.parse(out.trim() || '[]') as Record<string, unknown>[])[0]);
  }

  private psql(host: string, sql: string, pgOptions?: string): Promise<string> {
    const env = pgOptions === undefined ? [] : ['-e', `PGOPTIONS=${pgOptions}`];
    return runChecked(
      this.options.runner,
      'docker',
      [
        'exec',
        '-i',
        '-u',
        'postgres',
        ...env,
        smokeContainers.database(host),
        'psql',
        '-X',
        '-q',
        '-t',
        '-A',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        '/var/run/postgresql',
        '-d',
        'api',
      ],
      { input: sql, timeoutMs: 30_000 },
    );
  }

  private async deploy(): Promise<void> {
    this.options.onProgress?.(`cdktf deploy ${SMOKE_STACK_NAME} (${this.hosts.map((h) => `${h} ${this.versions[h]}`).join(', ')})`);
    await runChecked(
      this.options.runner,
      'npx',
      ['--no-install', 'cdktf', 'deploy', SMOKE_STACK_NAME, '--auto-approve', ...this.lockFlags()],
      this.cdktfOptions(),
    );
  }

  private lockFlags(): string[] {
    return this.options.skipProviderLock ? ['--skip-provider-lock'] : [];
  }

  private async waitForStatus(host: string, status: string): Promise<void> {
    await pollUntil(async () => ((await this.serverState(host)).status === status ? true : undefined), {
      description: `haproxy to report ${host} ${status}`,
      timeoutMs: UP_DEADLINE_MS,
      intervalMs: 500,
    });
  }

  private cdktfOptions(): { env: Record<string, string>; cwd?: string; timeoutMs: number } {
    const env: Record<string, string> = {
      CHECKPOINT_DISABLE: '1',
      [SMOKE_STRATEGY_ENV]: this.options.strategy,
      TF_VAR_api_password: this.options.apiPassword,
      TF_VAR_replication_password: this.options.replicationPassword,
    };
    for (const host of this.hosts) {
      env[`TF_VAR_${versionVariableName(host)}`] = this.versions[host];
    }
    if (this.options.imageRegistry !== undefined) {
      env[SMOKE_IMAGE_REGISTRY_ENV] = this.options.imageRegistry;
    }
    if (this.weights !== undefined) {
      env[SMOKE_WEIGHTS_ENV] = this.weights.join(',');
    }
    return { env, cwd: this.options.projectDir, timeoutMs: 900_000 };
  }
}
