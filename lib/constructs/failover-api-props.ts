import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { FailoverStrategy } from '../haproxy/failover-strategy';
import { HaproxyFailureHandling, HaproxyHealthCheck, HaproxyLimits, HaproxyTimeouts } from '../haproxy/haproxy-config-props';
import { DatabaseSchema } from '../postgres/database-schema';
import { ShippedBaseImages } from './docker-build-contexts';

/** A machine reached by the Docker provider over SSH (multi-host). */
export interface DockerMachine {
  /** Docker host URL, e.g. `ssh://deploy@10.0.0.5:22`. */
  readonly dockerHost: string;
  /** Address the other machines use to reach this one. */
  readonly address: string;
  /**
   * Extra SSH options for the provider, e.g. `['-o', 'StrictHostKeyChecking=accept-new']`.
   * @default none
   */
  readonly sshOpts?: string[];
}

/** One API host of a `FailoverApi`. */
export interface FailoverApiHost {
  /** Server name (HAProxy server, SERVER_NAME, pglogical node), e.g. `server1`. */
  readonly name: string;
  /** Version the API runs; change one host's to roll an update through it. */
  readonly version: string;
  /**
   * HAProxy weight, 1..256 (used by the weighted-stick strategy).
   * @default 100 for the first host, 1 for the second
   */
  readonly weight?: number;
  /**
   * The machine this host runs on. Give it for every host and `loadBalancer` for the multi-host topology.
   * @default the single-host topology: every container on one Docker provider and network
   */
  readonly machine?: DockerMachine;
  /**
   * This host's API image. Give each host its own tag to roll a new image through one host at a time.
   * @default `apiImage`
   */
  readonly image?: string;
}

/** Your API container: what it gets besides the env contract (HOST, PORT, SERVER_NAME, VERSION, DATABASE_URL, ...). */
export interface ApiContainerOptions {
  /**
   * More environment variables. Pass secrets as sensitive references (a sensitive TerraformVariable's value);
   * like every container env, they end up in Terraform state. The contract's names are reserved.
   * @default none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Command, replacing the image's CMD.
   * @default the image's CMD
   */
  readonly command?: string[];
  /**
   * Memory limit in MiB (changed in place, without replacing the container).
   * @default no limit
   */
  readonly memoryMb?: number;
  /**
   * Relative CPU weight under contention (Docker's `--cpu-shares`, 1024 is normal), changed in place. There is
   * no `cpus` limit: provider 3.6 reads it back as nano-CPUs and would replace the container on every deploy
   * (kreuzwerker/terraform-provider-docker#759).
   * @default Docker's (1024)
   */
  readonly cpuShares?: number;
  /**
   * Docker log driver. Set explicitly: provider 3.6 reads the daemon's default back as a change and would
   * replace the container on every deploy.
   * @default 'json-file'
   */
  readonly logDriver?: string;
  /**
   * Log driver options.
   * @default { 'max-size': '10m', 'max-file': '3' }
   */
  readonly logOptions?: { [key: string]: string };
}

/** Props of `FailoverApi`. */
export interface FailoverApiProps {
  /** Exactly two hosts; the first is the primary. */
  readonly hosts: FailoverApiHost[];
  /**
   * HAProxy's strategy.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
  /** Password of the API's database role: a sensitive TerraformVariable's value (a literal is rejected). */
  readonly apiPassword: string;
  /** Password of the replication role: a sensitive TerraformVariable's value (a literal is rejected). */
  readonly replicationPassword: string;
  /**
   * The machine HAProxy runs on (multi-host).
   * @default HAProxy on the single host
   */
  readonly loadBalancer?: DockerMachine;
  /**
   * Docker provider of the single-host topology.
   * @default a new DockerProvider with the local daemon
   */
  readonly provider?: DockerProvider;
  /**
   * API image of both hosts (a host's own `image` wins). Yours must follow the env and self-drain contracts
   * (README, "Your own API").
   * @default the reference API, built from the Dockerfile shipped in this package
   */
  readonly apiImage?: string;
  /**
   * Your API's schema: its name and its migrations, applied on both nodes by each host's migrator before that
   * host's API starts. Append a migration to change the schema; every table in it replicates (README, "Your own API").
   * @default DatabaseSchemas.REFERENCE_API: schema `app` with the reference API's `items`
   */
  readonly schema?: DatabaseSchema;
  /**
   * Environment, command, resource limits and logging of the API containers.
   * @default the reference API's needs only
   */
  readonly apiContainer?: ApiContainerOptions;
  /**
   * PostgreSQL + pglogical image.
   * @default built from the shipped Dockerfile: postgres:15-bookworm plus postgresql-15-pglogical
   */
  readonly postgresImage?: string;
  /**
   * HAProxy image.
   * @default built from the shipped Dockerfile: Debian bookworm's haproxy 2.6 (LTS), socat and the reloader
   */
  readonly haproxyImage?: string;
  /**
   * Where the shipped images' base images come from: a registry mirror of your own, for Docker hosts that
   * cannot pull from Docker Hub. Only images built from the shipped Dockerfiles use it.
   * @default the official images on Docker Hub
   */
  readonly baseImages?: ShippedBaseImages;
  /**
   * HAProxy's health check of the APIs.
   * @default GET /check.txt every 5000 ms, fall 3, rise 2 (the HAProxy article's)
   */
  readonly healthCheck?: HaproxyHealthCheck;
  /**
   * Limits a single client meets at HAProxy: request and keep-alive timeouts, connection and queue bounds,
   * header and body sizes, chunked bodies, an optional per-client rate limit (weighted-stick and primary-first).
   * @default the renderer's (`HaproxyLimits`)
   */
  readonly limits?: HaproxyLimits;
  /**
   * HAProxy's timeouts: connect, client and server (per try). Give `server` more than your slowest request.
   * @default connect 500 ms, client 30 s, server 2 s (backup: connect 5 s, server 30 s)
   */
  readonly timeouts?: HaproxyTimeouts;
  /**
   * Retries before a request fails. Under weighted-stick and primary-first every retry goes to the other server.
   * @default 3
   */
  readonly retries?: number;
  /**
   * HAProxy's failure handling: L7 retries, detection from live traffic, self-drain on a 404 (weighted-stick and
   * primary-first).
   * @default every field's default (`HaproxyFailureHandling`); rejected under backup
   */
  readonly failureHandling?: HaproxyFailureHandling;
  /**
   * Host port clients connect to.
   * @default 8080
   */
  readonly frontendPort?: number;
  /**
   * Port the APIs listen on (and are published on, multi-host).
   * @default 8080
   */
  readonly apiPort?: number;
  /**
   * Port Postgres listens on (and is published on, multi-host).
   * @default 5432
   */
  readonly postgresPort?: number;
  /**
   * Prefix of every container, volume and network name.
   * @default 'failover-api'
   */
  readonly namePrefix?: string;
  /**
   * The most WAL, in MiB, a database node keeps for its peer while the peer is away (`max_slot_wal_keep_size`).
   * A peer away past it loses its slot, and copies the survivor's data again when it returns (README, "Replication
   * health you can alert on, and bounded WAL"). -1 is no limit, which lets a peer gone for days fill the survivor's disk.
   * @default 10240 (10 GiB)
   */
  readonly maxSlotWalKeepSizeMb?: number;
  /**
   * Seconds between each database node's divergence checks, which compare its rows with its peer's and log
   * (`bdr: divergence: ...` in the node's container log) any difference replication did not fix. 0 turns them off.
   * @default 600
   */
  readonly divergenceCheckIntervalSeconds?: number;
  /**
   * Terraform refuses any plan that would destroy a database node's data volume (`prevent_destroy`): a changed
   * `namePrefix`, a host renamed under a `moved` block, `cdktf destroy`. Set false to allow it on purpose.
   * @default true
   */
  readonly protectDataVolumes?: boolean;
  /**
   * Subnet of the single-host Docker network; pg_hba admits the API and the peer from it.
   * @default '172.28.0.0/24'
   */
  readonly networkSubnet?: string;
}
