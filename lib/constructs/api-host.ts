import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { ApiEnvironmentContract } from '../api/api-environment';
import { HEALTH_CHECK_DEFAULTS } from '../haproxy/resolve-haproxy-props';
import { SelfDrainTimings, SelfDrain } from '../haproxy/self-drain';
import { BdrNodeConfig } from '../postgres/bdr-node-config';
import { BdrNode } from './bdr-node';
import { DEFAULT_LOG_DRIVER, DEFAULT_LOG_OPTIONS } from './container-logging';
import { ApiContainerOptions } from './failover-api-props';
import { resolveBdrNodeConfig } from '../postgres/resolve-bdr-node-config';
import { dockerNames } from '../naming/docker-names';
import { enterValidationScope } from '../validation/validation-error';

/** Props of `ApiHost`. */
export interface ApiHostProps {
  /** The Docker host everything of this host runs on. */
  readonly provider: DockerProvider;
  /** Server name: HAProxy's server name, the API's SERVER_NAME and the pglogical node name. */
  readonly serverName: string;
  /** Version string the API reports; changing it replaces only this host's API container. */
  readonly version: string;
  /** API image (the reference API or yours: configured by HOST, PORT, SERVER_NAME, VERSION, DATABASE_URL). */
  readonly apiImage: string;
  /** Postgres + pglogical image. */
  readonly postgresImage: string;
  /** Prefix of every container and volume name. */
  readonly namePrefix: string;
  /** Docker network of this host. */
  readonly networkName: string;
  /** The database node's pglogical settings. */
  readonly database: BdrNodeConfig;
  /** Password of the API's database role (a sensitive TerraformVariable's value). */
  readonly apiPassword: string;
  /** Password of the replication role (a sensitive TerraformVariable's value). */
  readonly replicationPassword: string;
  /**
   * Port the API listens on in its container.
   * @default 8080
   */
  readonly apiPort?: number;
  /**
   * Publish the API and Postgres ports on this host address (multi-host).
   * @default not published: reached over the Docker network only
   */
  readonly publishAddress?: string;
  /**
   * The path HAProxy health-checks (`HEALTH_PATH`); the API answers 404 there while it drains itself.
   * @default '/check.txt'
   */
  readonly healthPath?: string;
  /**
   * Environment, command, resource limits and logging of the API container.
   * @default the reference API's needs only, json-file logs
   */
  readonly container?: ApiContainerOptions;
  /**
   * The self-drain timings, from `SelfDrain.timings()` over the load balancer's props; they set the API's
   * `DRAIN_*` env and the container's stop timeouts.
   * @default SelfDrain.timings() of the default health check
   */
  readonly drain?: SelfDrainTimings;
  /**
   * Terraform refuses any plan that would destroy the database's data volume (`BdrNodeProps.protectVolume`).
   * @default true
   */
  readonly protectDataVolume?: boolean;
}

/** One API host: the API container and its own `BdrNode`, on one Docker provider. */
export class ApiHost extends Construct {
  /** The API container. */
  public readonly apiContainer: Container;
  /** This host's database node. */
  public readonly database: BdrNode;
  /** Port of the API inside its container (and on the host when published). */
  public readonly apiPort: number;
  /** The self-drain timings the container runs with. */
  public readonly drain: SelfDrainTimings;

  constructor(scope: Construct, id: string, props: ApiHostProps) {
    super(scope, id);
    // Its props' errors name it, unless it is part of a construct that validates them as its own.
    const leaveScope = enterValidationScope(`ApiHost ${this.node.path}`);
    try {
      this.apiPort = props.apiPort ?? 8080;
      const dbName = dockerNames(props.namePrefix).database(props.serverName);
      this.database = new BdrNode(this, 'database', {
        provider: props.provider,
        containerName: dbName,
        image: props.postgresImage,
        config: props.database,
        apiPassword: props.apiPassword,
        replicationPassword: props.replicationPassword,
        networkName: props.networkName,
        publishAddress: props.publishAddress,
        protectVolume: props.protectDataVolume,
      });
      const { database: db, apiUser: user } = resolveBdrNodeConfig(props.database);
      this.drain = props.drain ?? SelfDrain.timings();
      const c = props.container ?? {};
      const healthPath = props.healthPath ?? HEALTH_CHECK_DEFAULTS.path;
      this.apiContainer = new Container(this, 'api', {
        provider: props.provider,
        name: dockerNames(props.namePrefix).api(props.serverName),
        image: props.apiImage,
        restart: 'unless-stopped',
        env: ApiEnvironmentContract.render({
          host: '0.0.0.0',
          port: this.apiPort,
          serverName: props.serverName,
          version: props.version,
          databaseUrl: `postgres://${user}:${Fn.urlencode(props.apiPassword)}@${dbName}:${this.database.port}/${db}`,
          healthPath,
          drainTimeoutMs: this.drain.drainTimeoutMs,
          drainQuietMs: this.drain.quietMs,
          shutdownGraceMs: this.drain.shutdownGraceMs,
        }).concat(Object.entries(c.environment ?? {}).map(([name, value]) => `${name}=${value}`)),
        command: c.command,
        memory: c.memoryMb,
        cpuShares: c.cpuShares,
        logDriver: c.logDriver ?? DEFAULT_LOG_DRIVER,
        logOpts: c.logOptions ?? DEFAULT_LOG_OPTIONS,
        // SIGTERM starts the self-drain. Terraform's destroy stops with destroy_grace_seconds (0, an immediate
        // SIGKILL, when unset); stop_timeout covers a plain `docker stop`. Both outlast drain and grace.
        stopSignal: 'SIGTERM',
        stopTimeout: this.drain.stopTimeoutSeconds,
        destroyGraceSeconds: this.drain.stopTimeoutSeconds,
        networksAdvanced: [{ name: props.networkName }],
        ports: props.publishAddress ? [{ internal: this.apiPort, external: this.apiPort, ip: props.publishAddress }] : undefined,
        healthcheck: {
          // The path HAProxy checks, without HAProxy's header: this probe must not end a self-drain.
          test: [
            'CMD',
            'node',
            '-e',
            `fetch('http://127.0.0.1:${this.apiPort}${healthPath}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
          ],
          interval: '5s',
          timeout: '3s',
          retries: 3,
        },
        // A deploy is done when the new container is healthy, not merely started.
        wait: true,
        waitTimeout: 120,
        // After this version's migrations: an API never starts against a schema older than it expects.
        dependsOn: [this.database.container, this.database.migrator],
      });
    } finally {
      leaveScope();
    }
  }
}
