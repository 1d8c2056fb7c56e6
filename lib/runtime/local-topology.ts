import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { FailoverStrategy } from '../haproxy/failover-strategy';
import { HaproxyConfigProps, HaproxyFailureHandling, HaproxyHealthCheck, HaproxyLimits, HaproxyTimeouts } from '../haproxy/haproxy-config-props';
import { HAPROXY_BACKEND_NAME, HaproxyConfig } from '../haproxy/render-haproxy-config';
import { HEALTH_CHECK_DEFAULTS, healthCheckDetectionSeconds } from '../haproxy/resolve-haproxy-props';
import { SelfDrain } from '../haproxy/self-drain';
import { BdrNodeConfig, PgAuthMethod } from '../postgres/bdr-node-config';
import { DatabaseSchema } from '../postgres/database-schema';
import { SUBSCRIPTION_STATUS_SQL } from '../postgres/subscription-watchdog-sql';
import { REPLICATION_HEALTH_SQL, ReplicationHealth, replicationHealthOf, SUBSCRIPTION_SYNCED_SQL } from '../postgres/replication-health-sql';
import { CONFLICT_LOG_LINE, CONVERGENCE_SESSION_OPTIONS } from '../postgres/convergence-sql';
import { DIVERGENCE_CHECK_SQL } from '../postgres/divergence-check-sql';
import { RESYNC_NEEDED_SQL } from '../postgres/stale-slot-resync-sql';
import { BdrBootstrapSql, PSQL_API_PASSWORD_VAR, PSQL_REPLICATION_PASSWORD_VAR, BootstrapSql } from '../postgres/render-bootstrap-sql';
import { PgHba } from '../postgres/render-pg-hba';
import { PostgresSettings } from '../postgres/render-postgres-settings';
import { ApiProcess, findApiEntry } from './api-process';
import { freePort } from './free-port';
import { HaproxyProcess } from './haproxy-process';
import { HaproxyRuntimeClient, HaproxyServerState, ServerAdminState } from './haproxy-runtime-client';
import { logTail } from './log-tail';
import { Blackhole, PacketFilter } from './packet-filter';
import { pollUntil } from '../polling/poll';
import { kickSubscriptions, SubscriptionNode, waitUntilReplicating } from '../replication/replication-wait';
import { SubscriptionWatchdogLoop, WatchedNode } from '../replication/subscription-watchdog-loop';
import { ConvergenceReport, RepairReport, repairNodes, ReplicaNode, rowAsText, waitForConvergence } from '../replication/convergence';
import { PostgresCluster } from './postgres-cluster';
import { findHaproxy, findPgBinDir, postgresRunAs } from './system-binaries';
import { ExitCleanupStage, onExit } from './exit-cleanup';
import { BDR_NODE_DEFAULTS } from '../postgres/resolve-bdr-node-config';

/** Options of the local topology. */
export interface LocalTopologyOptions {
  /**
   * HAProxy strategy.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
  /**
   * HAProxy health check.
   * @default every 1000 ms, fall 3, rise 2 (faster than the article's 5000 ms, so runs stay short)
   */
  readonly healthCheck?: HaproxyHealthCheck;
  /**
   * HAProxy connection retries.
   * @default 3
   */
  readonly retries?: number;
  /**
   * HAProxy timeouts.
   * @default the renderer's for the strategy (connect 500 ms and server 2000 ms, or the article's for backup)
   */
  readonly timeouts?: HaproxyTimeouts;
  /**
   * HAProxy's failure handling (weighted-stick and primary-first only).
   * @default the renderer's: L7 retries of replay-safe requests, error-limit 3, fastinter 500, drain on 404
   */
  readonly failureHandling?: HaproxyFailureHandling;
  /**
   * HAProxy's per-client limits (weighted-stick and primary-first only).
   * @default the renderer's
   */
  readonly limits?: HaproxyLimits;
  /**
   * The APIs serve their always-failing test endpoint (`GET /api/v1/test/fail`, 500), for hostile traffic.
   * @default false
   */
  readonly testFailEndpoint?: boolean;
  /**
   * The API's schema and its migrations, applied on both nodes before the APIs start.
   * @default DatabaseSchemas.REFERENCE_API
   */
  readonly schema?: DatabaseSchema;
  /**
   * The most WAL, in MiB, each node keeps for its peer while the peer is away (`max_slot_wal_keep_size`).
   * @default 10240
   */
  readonly maxSlotWalKeepSizeMb?: number;
  /**
   * Run the subscription watchdog every second, as the image does (subscription-watchdog-sql says why). Off only
   * to watch pglogical on its own.
   * @default true
   */
  readonly subscriptionWatchdog?: boolean;
  /**
   * Version both APIs start with.
   * @default 'v1'
   */
  readonly initialVersion?: string;
  /**
   * Node.js entry script of the API each host runs; it gets HOST, PORT, SERVER_NAME, VERSION and DATABASE_URL.
   * @default the compiled reference API
   */
  readonly apiEntry?: string;
  /**
   * Called with a line of progress for each phase.
   * @default silent
   */
  readonly onProgress?: (message: string) => void;
}

/** What `isolate()` cuts off. */
export interface IsolateOptions {
  /**
   * Only the API's port, as when its container's address vanishes; the database stays reachable.
   * @default false: the API and both database addresses, as when the host loses power
   */
  readonly apiOnly?: boolean;
}

/** A change applied to the running HAProxy by a hitless reload. */
export interface HaproxyReloadOptions {
  /**
   * The new strategy.
   * @default unchanged
   */
  readonly strategy?: FailoverStrategy;
  /**
   * New weights, one per host in host order (weighted-stick).
   * @default unchanged
   */
  readonly weights?: number[];
}

/** What `startApi` does besides starting the API. */
export interface StartApiOptions {
  /**
   * This version's schema: its new migrations are applied on the host's node (and queued for the peer) before
   * the API starts, as a deploy's migrator does.
   * @default no migrations run
   */
  readonly schema?: DatabaseSchema;
}

/** One "host": an API process and its own Postgres node, on a loopback address of its own. */
interface LocalHost {
  readonly name: string;
  /** The node's renderer props, for re-rendering with a new schema. */
  readonly nodeProps: BdrNodeConfig;
  readonly address: string;
  /** Where the peer's subscription reaches this node's database: the replication link. */
  readonly replicationAddress: string;
  readonly apiPort: number;
  readonly db: PostgresCluster;
  readonly api: ApiProcess;
  /** The node's rendered bootstrap, for a rebuild. */
  readonly bootstrap: BdrBootstrapSql;
}

/** A row the divergence check reports. */
export interface DivergentRow {
  /** `schema.table`. */
  readonly table: string;
  /** The primary key's text. */
  readonly key: string;
  /** md5 of the row here, or null when only the peer has it. */
  readonly here: string | null;
  /** md5 of the row on the peer, or null when only this node has it. */
  readonly peer: string | null;
}

/** What `rebuild()` measured. */
export interface RebuildReport {
  /** Milliseconds from the new database accepting connections until the copy from the peer was synced. */
  readonly syncedAfterMs: number;
  /** Milliseconds from the new database accepting connections until both directions replicated. */
  readonly replicatingAfterMs: number;
}

// Each host gets a loopback address of its own, as if it were a machine; HAProxy gets another.
const HOST_ADDRESSES = ['127.0.0.11', '127.0.0.12'];
// Each database node also listens on a peer-facing address, which the other node's subscription uses: the
// replication link. On loopback every connection comes from 127.0.0.1, so only a separate address lets a
// partition cut the link between the nodes and leave each API's connection to its own node alone.
const REPLICATION_ADDRESSES = ['127.0.0.21', '127.0.0.22'];
const HAPROXY_ADDRESS = '127.0.0.10';
export const LOCAL_HOST_NAMES = ['server1', 'server2'];
const REPLICATION_TIMEOUT_MS = 60_000;

// Each live topology's temp dir, and how to drop it from the exit cleanup once stop() removed it.
const forgetDirs = new Map<string, () => void>();

/**
 * The whole system as real processes on this machine: two PostgreSQL clusters replicating both ways with
 * pglogical, a reference API on each, and HAProxy in front with the config `HaproxyConfig.render` gives.
 * Everything lives in one temp dir and is stopped by pid; `stop()` removes it all, also after a failed start.
 */
export class LocalTopology {
  readonly url: string;
  readonly runtimeApi: HaproxyRuntimeClient;
  private stopped = false;
  private readonly progress: (message: string) => void;

  private constructor(
    readonly baseDir: string,
    private readonly hosts: LocalHost[],
    private readonly haproxy: HaproxyProcess,
    private readonly packetFilter: PacketFilter,
    private readonly watchdog: SubscriptionWatchdogLoop | undefined,
    private haproxyProps: HaproxyConfigProps,
    progress: (message: string) => void,
    /** The psql variables with the passwords, for a rebuilt node's bootstrap. */
    private readonly passwords: Record<string, string>,
  ) {
    this.progress = progress;
    this.url = `http://${HAPROXY_ADDRESS}:${haproxyProps.frontend?.port}`;
    this.runtimeApi = new HaproxyRuntimeClient(HaproxyRuntimeClient.unixSocket(haproxyProps.runtimeApi?.socketPath ?? ''), HAPROXY_BACKEND_NAME);
  }

  /** HAProxy's log (its access log included), for checks of what reached a server. */
  get haproxyLogFile(): string {
    return this.haproxy.logFile;
  }

  /** The strategy HAProxy applies now (a reload can change it). */
  get strategy(): FailoverStrategy {
    return this.haproxyProps.strategy ?? FailoverStrategy.WEIGHTED_STICK;
  }

  /** Starts everything and waits for real readiness: both subscriptions replicating, both servers UP. */
  static async start(options: LocalTopologyOptions = {}): Promise<LocalTopology> {
    const progress = options.onProgress ?? (() => undefined);
    const strategy = options.strategy ?? FailoverStrategy.WEIGHTED_STICK;
    const baseDir = mkdtempSync(join(tmpdir(), 'failover-api-'));
    // An exit without stop() still removes the temp dir, after the processes are killed (exit-cleanup).
    const forgetDir = onExit(ExitCleanupStage.REMOVE_TEMP_DIRS, () => rmSync(baseDir, { recursive: true, force: true }));
    forgetDirs.set(baseDir, forgetDir);
    chmodSync(baseDir, 0o755); // the postgres user must be able to reach its own dir inside
    const created: { hosts: LocalHost[]; haproxy?: HaproxyProcess; packetFilter: PacketFilter; watchdog?: SubscriptionWatchdogLoop } = {
      hosts: [],
      packetFilter: new PacketFilter(),
    };
    try {
      const binDir = findPgBinDir();
      const haproxyBinary = findHaproxy();
      const apiEntry = options.apiEntry ?? findApiEntry();
      const runAs = postgresRunAs();
      const allowlist = PostgresSettings.describesOutputPluginAllowlist(
        execFileSync(join(binDir, 'postgres'), ['--describe-config'], { encoding: 'utf8' }),
      );
      const apiPassword = randomBytes(12).toString('hex');
      const replicationPassword = randomBytes(12).toString('hex');
      const pgPorts = await Promise.all(HOST_ADDRESSES.map((a, i) => freePort(a, REPLICATION_ADDRESSES[i])));
      const apiPorts = await Promise.all(HOST_ADDRESSES.map((a) => freePort(a)));
      const frontendPort = await freePort(HAPROXY_ADDRESS);
      const healthCheck = { intervalMs: 1000, ...options.healthCheck };
      const haproxyProps: HaproxyConfigProps = {
        strategy,
        servers: LOCAL_HOST_NAMES.map((name, i) => ({ name, address: HOST_ADDRESSES[i], port: apiPorts[i] })),
        frontend: { address: HAPROXY_ADDRESS, port: frontendPort },
        healthCheck,
        retries: options.retries,
        timeouts: options.timeouts,
        failureHandling: options.failureHandling,
        limits: options.limits,
        runtimeApi: { socketPath: join(baseDir, 'haproxy.sock') },
        serverStateFile: join(baseDir, 'server-state'),
      };
      // Rendered first, so bad options fail before anything starts.
      const haproxyConfig = HaproxyConfig.render(haproxyProps);
      const drain = SelfDrain.timings(haproxyProps);

      progress(`initdb for ${LOCAL_HOST_NAMES.join(' and ')} in ${baseDir}`);
      const nodeProps = LOCAL_HOST_NAMES.map((name, i) => {
        const peer = 1 - i;
        return {
          local: { name, host: REPLICATION_ADDRESSES[i], port: pgPorts[i] },
          peer: { name: LOCAL_HOST_NAMES[peer], host: REPLICATION_ADDRESSES[peer], port: pgPorts[peer] },
          // On loopback every connection comes from 127.0.0.1, whatever address it targets.
          peerAddresses: ['127.0.0.1'],
          apiAddresses: ['127.0.0.1'],
          listenAddresses: `${HOST_ADDRESSES[i]},${REPLICATION_ADDRESSES[i]}`,
          listenPort: pgPorts[i],
          localAuthMethod: PgAuthMethod.TRUST,
          outputPluginAllowlist: allowlist,
          schema: options.schema,
          maxSlotWalKeepSizeMb: options.maxSlotWalKeepSizeMb,
          resyncDrainSeconds: healthCheckDetectionSeconds(healthCheck),
        };
      });
      const sql = nodeProps.map((p) => BootstrapSql.render(p));
      for (const [i, props] of nodeProps.entries()) {
        const dir = join(baseDir, props.local.name);
        mkdirSync(dir, { mode: 0o700 });
        const db = new PostgresCluster({
          name: props.local.name,
          baseDir: dir,
          binDir,
          port: pgPorts[i],
          settings: PostgresSettings.render(props),
          hba: PgHba.render(props),
          pgpass: BootstrapSql.renderPgpass(BDR_NODE_DEFAULTS.replicationUser, replicationPassword),
          runAs,
        });
        const api = new ApiProcess({
          serverName: props.local.name,
          host: HOST_ADDRESSES[i],
          port: apiPorts[i],
          databaseUrl: `postgres://api:${apiPassword}@${HOST_ADDRESSES[i]}:${pgPorts[i]}/api`,
          logDir: baseDir,
          entry: apiEntry,
          healthPath: healthCheck.path ?? HEALTH_CHECK_DEFAULTS.path,
          drain,
          testFailEndpoint: options.testFailEndpoint,
        });
        created.hosts.push({
          name: props.local.name,
          nodeProps: props,
          address: HOST_ADDRESSES[i],
          replicationAddress: REPLICATION_ADDRESSES[i],
          apiPort: apiPorts[i],
          db,
          api,
          bootstrap: sql[i],
        });
      }
      await Promise.all(created.hosts.map((h) => h.db.init()));
      progress('starting both postgres nodes');
      await Promise.all(created.hosts.map((h) => h.db.start()));

      // Order matters: both nodes and replication sets exist before either side subscribes.
      const vars = { [PSQL_API_PASSWORD_VAR]: apiPassword, [PSQL_REPLICATION_PASSWORD_VAR]: replicationPassword };
      progress('bootstrapping pglogical nodes');
      await Promise.all(created.hosts.map((h, i) => h.db.psql(sql[i].local, vars)));
      await Promise.all(created.hosts.map((h, i) => h.db.psql(sql[i].subscribe, vars)));
      // The image runs it from its bootstrap on; so does this runtime, for as long as the topology runs.
      if (options.subscriptionWatchdog !== false) {
        created.watchdog = new SubscriptionWatchdogLoop(watchedNodes(created.hosts, progress), progress);
      }
      progress('waiting for both subscriptions to be replicating');
      await waitForReplicating(created.hosts, REPLICATION_TIMEOUT_MS, created.watchdog);
      await Promise.all(created.hosts.map((h) => h.db.psql(h.bootstrap.joined)));
      progress('applying the schema migrations');
      for (const [i, h] of created.hosts.entries()) {
        await h.db.psql(sql[i].migrate);
      }

      progress('starting both APIs');
      await Promise.all(created.hosts.map((h) => h.api.start(options.initialVersion ?? 'v1')));

      created.haproxy = new HaproxyProcess(haproxyBinary, baseDir, haproxyConfig);
      progress(`starting haproxy (${strategy})`);
      created.haproxy.start();
      const topology = new LocalTopology(
        baseDir,
        created.hosts,
        created.haproxy,
        created.packetFilter,
        created.watchdog,
        haproxyProps,
        progress,
        vars,
      );
      await Promise.all(LOCAL_HOST_NAMES.map((name) => topology.waitForServerStatus(name, 'UP', 30_000)));
      progress(`ready: ${topology.url}`);
      return topology;
    } catch (err) {
      await teardown(baseDir, created.hosts, created.packetFilter, created.haproxy, created.watchdog);
      throw err;
    }
  }

  get hostNames(): string[] {
    return this.hosts.map((h) => h.name);
  }

  /** The first host: HAProxy's primary. */
  get primary(): string {
    return this.hosts[0].name;
  }

  private host(name: string): LocalHost {
    const found = this.hosts.find((h) => h.name === name);
    if (!found) {
      throw new Error(`no host ${JSON.stringify(name)}; hosts are ${this.hostNames.join(', ')}`);
    }
    return found;
  }

  /** The database node of a host, for queries. */
  database(name: string): PostgresCluster {
    return this.host(name).db;
  }

  apiVersion(name: string): string {
    return this.host(name).api.version;
  }

  /** URL of a host's API, bypassing HAProxy. */
  apiUrl(name: string): string {
    return this.host(name).api.url;
  }

  stopApi(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.host(name).api.stop(signal);
  }

  /** Starts a host's API at `version`, after that version's migrations when `options.schema` is given. */
  async startApi(name: string, version: string, options: StartApiOptions = {}): Promise<void> {
    if (options.schema !== undefined) {
      await this.migrate(name, options.schema);
    }
    await this.host(name).api.start(version);
  }

  /**
   * Applies a schema's new migrations on a host's node, as the image's migrator does: each is queued for the
   * peer in the same transaction. Rejects, naming the migration, when one changed, failed or broke a rule.
   */
  async migrate(name: string, schema: DatabaseSchema): Promise<void> {
    const host = this.host(name);
    const script = BootstrapSql.render({ ...host.nodeProps, schema }).migrate; // bad props throw before anything runs
    this.progress(`migrating ${name}'s node`);
    await host.db.psql(script);
  }

  stopDatabase(name: string, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    return this.host(name).db.stop(mode);
  }

  startDatabase(name: string): Promise<void> {
    return this.host(name).db.start();
  }

  serverStates(): Promise<HaproxyServerState[]> {
    return this.runtimeApi.servers();
  }

  setServerState(name: string, state: ServerAdminState): Promise<void> {
    return this.runtimeApi.setState(this.host(name).name, state);
  }

  /** Waits until HAProxy reports the server's status as exactly `status` (e.g. 'UP', 'DOWN'). */
  async waitForServerStatus(name: string, status: string, timeoutMs: number): Promise<void> {
    await pollUntil(async () => ((await this.runtimeApi.server(name)).status === status ? true : undefined), {
      description: `haproxy to report ${name} ${status}`,
      timeoutMs,
      intervalMs: 50,
    });
  }

  /**
   * Waits until both subscriptions report `replicating`; resolves with how many the topology's watchdog restarted
   * meanwhile (it restarts one that is down while its provider accepts connections, as the image's does).
   */
  waitForReplication(timeoutMs = REPLICATION_TIMEOUT_MS): Promise<number> {
    return waitForReplicating(this.hosts, timeoutMs, this.watchdog);
  }

  /** Stops every process by pid and removes the temp dir. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    await teardown(this.baseDir, this.hosts, this.packetFilter, this.haproxy, this.watchdog);
  }

  /**
   * Makes a host's address drop every packet, as if it lost power or its container's address vanished:
   * its API port only (`apiOnly`), or the API and database ports. Needs root (iptables); undone by
   * `reconnect()` and by `stop()`.
   */
  isolate(name: string, options: IsolateOptions = {}): void {
    this.packetFilter.drop(this.endpoints(this.host(name), options.apiOnly ?? false));
  }

  /** Lets a host's packets through again. A no-op when it was not isolated. */
  reconnect(name: string): void {
    this.packetFilter.restore(this.endpoints(this.host(name), false));
  }

  /** The endpoints currently dropping packets. */
  get isolated(): Blackhole[] {
    return this.packetFilter.blackholes;
  }

  private endpoints(host: LocalHost, apiOnly: boolean): Blackhole[] {
    return [
      { address: host.address, port: host.apiPort },
      ...(apiOnly ? [] : [{ address: host.address, port: host.db.options.port }, ...this.replicationLink(host)]),
    ];
  }

  private replicationLink(host: LocalHost): Blackhole[] {
    return [{ address: host.replicationAddress, port: host.db.options.port }];
  }

  /**
   * Cuts the replication link between the two database nodes, both ways: every packet to or from each node's
   * peer-facing address is dropped. Both APIs keep writing to their own node. Needs root; undone by `heal()`
   * and by `stop()`.
   */
  partition(): void {
    this.packetFilter.drop(this.hosts.flatMap((h) => this.replicationLink(h)));
  }

  /** Lets replication traffic through again. */
  heal(): void {
    this.packetFilter.restore(this.hosts.flatMap((h) => this.replicationLink(h)));
  }

  /** The nodes as the convergence checker reads them. */
  replicaNodes(): ReplicaNode[] {
    return this.hosts.map((h) => ({
      name: h.name,
      query: async (sql: string, params: string[] = []) => (await h.db.query(sql, params, 'api', CONVERGENCE_SESSION_OPTIONS)).map(rowAsText),
    }));
  }

  /**
   * Waits until both nodes hold the same rows in every replicated table, or `timeoutMs` passes, nudging a
   * subscription pglogical leaves down. Reports the last comparison; a difference is a result, not an error.
   */
  async waitForConvergence(timeoutMs = REPLICATION_TIMEOUT_MS): Promise<ConvergenceReport> {
    const [a, b] = this.replicaNodes();
    const before = this.watchdog?.nudges ?? 0;
    const report = await waitForConvergence(a, b, { timeoutMs });
    return { ...report, nudges: (this.watchdog?.nudges ?? 0) - before };
  }

  /**
   * The host loses its disk: its API is killed, its database crashes, and its data directory is deleted. The host
   * is down until `restoreFromPeer()`. `rebuild()` does both.
   */
  async loseData(name: string): Promise<void> {
    const host = this.host(name);
    await host.api.stop('SIGKILL');
    await host.db.stop('immediate');
    host.db.wipe();
    this.progress(`${name}'s data directory is gone`);
  }

  /**
   * Brings a host that lost its data back from its peer, by the path the image takes on an empty volume: initdb,
   * the local bootstrap and the migrations, then `rejoin` (a full copy of the peer's data, then its stream), and
   * once that copy is synced, `peerResubscribe` on the peer; then the node is marked joined (ready). The API
   * starts, at `version`, only when both directions replicate, so no request reaches the host before it holds
   * what its peer holds.
   */
  async restoreFromPeer(name: string, version: string, timeoutMs = REPLICATION_TIMEOUT_MS): Promise<RebuildReport> {
    const host = this.host(name);
    const peer = this.hosts.find((h) => h !== host) as LocalHost;
    await host.db.init();
    await host.db.start();
    const started = Date.now();
    this.progress(`${name}: bootstrapping the new node, then copying ${peer.name}'s data`);
    await host.db.psql(host.bootstrap.local, this.passwords);
    await host.db.psql(host.bootstrap.migrate);
    await host.db.psql(host.bootstrap.rejoin);
    const { syncedAfterMs, replicatingAfterMs } = await joinAfterCopy(host, this.hosts, {
      started,
      timeoutMs,
      progress: this.progress,
    });
    await host.api.start(version);
    this.progress(`${name}: rebuilt, replicating both ways after ${replicatingAfterMs} ms; its API is up`);
    return { syncedAfterMs, replicatingAfterMs };
  }

  /**
   * Copies a host's data from its peer again when the peer no longer holds the WAL the host had not read (its
   * slot there is `lost`, past `max_slot_wal_keep_size`), by the bootstrap's `resync`: the host is not ready,
   * the peer confirms the host's own writes, the host's tables are emptied and its subscription copies the
   * peer's data; once that is synced the peer subscribes to the host anew, and the host is joined again when
   * both directions replicate. Its API keeps running, not ready.
   * The topology's watchdog loop does this by itself when `resync_needed()` says so, as the image's bootstrap does.
   */
  async resyncFromPeer(name: string, timeoutMs = REPLICATION_TIMEOUT_MS): Promise<RebuildReport> {
    return resyncHost(this.host(name), this.hosts, timeoutMs, this.progress);
  }

  /** `loseData()`, then `restoreFromPeer()` at the version the host ran. */
  async rebuild(name: string): Promise<RebuildReport> {
    const version = this.apiVersion(name);
    await this.loseData(name);
    return this.restoreFromPeer(name, version);
  }

  /** A host's node's `failover_api.replication_health()`: its subscription's status, the peer's slot, retained WAL, lag. */
  async replicationHealth(name: string): Promise<ReplicationHealth> {
    const [row] = await this.host(name).db.query<Record<string, unknown>>(REPLICATION_HEALTH_SQL);
    return replicationHealthOf(row);
  }

  /**
   * The image's periodic divergence check on a host's node (`failover_api.check_divergence()`): the rows that
   * differ from the peer's and did so, with the same two versions, at the previous check too.
   */
  async checkDivergence(name: string): Promise<DivergentRow[]> {
    const rows = await this.host(name).db.query<{ table_name: string; key: string; here_digest: string | null; peer_digest: string | null }>(
      DIVERGENCE_CHECK_SQL,
    );
    return rows.map((r) => ({ table: r.table_name, key: r.key, here: r.here_digest, peer: r.peer_digest }));
  }

  /** Anti-entropy: writes each differing row's winning version where it is missing (`repairNodes`). */
  repair(): Promise<RepairReport> {
    const [a, b] = this.replicaNodes();
    return repairNodes(a, b);
  }

  /** Conflicts pglogical has logged on a host's node so far (`CONFLICT: remote UPDATE ... Resolution: ...`). */
  conflictsLogged(name: string): number {
    return readFileSync(this.host(name).db.logFile, 'utf8')
      .split('\n')
      .filter((line) => CONFLICT_LOG_LINE.test(line)).length;
  }

  /**
   * Applies a new strategy or new weights with a hitless reload: the config is re-rendered, checked with
   * `haproxy -c`, and handed to the master, which starts a new worker on the same sockets. A config HAProxy
   * refuses is never applied (`HaproxyConfigRejectedError`).
   */
  async reloadHaproxy(change: HaproxyReloadOptions): Promise<void> {
    const servers = this.haproxyProps.servers.map((s, i) => ({ ...s, weight: change.weights?.[i] ?? s.weight }));
    const next: HaproxyConfigProps = { ...this.haproxyProps, strategy: change.strategy ?? this.haproxyProps.strategy, servers };
    const config = HaproxyConfig.render(next); // bad props throw here, before anything changes
    await this.haproxy.reload(config, this.runtimeApi);
    this.haproxyProps = next;
    this.progress(`haproxy reloaded (${this.strategy}${change.weights ? `, weights ${change.weights.join('/')}` : ''})`);
  }
}

/**
 * With FAILOVER_KEEP_LOGS set to a directory, every log of the topology (each node's postgres.log, each API's,
 * HAProxy's) is copied there, under the topology's own dir name, before the temp dir goes. The test suite sets
 * it for each test file and keeps what a failed file left (__tests__/support/jest-environment.js).
 */
function keepLogs(baseDir: string): void {
  const keep = process.env.FAILOVER_KEEP_LOGS;
  if (!keep) {
    return;
  }
  const target = join(keep, basename(baseDir));
  for (const file of readdirSync(baseDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log'))) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(baseDir, file), join(target, file));
  }
}

/**
 * The tail of a copy from the peer, `rejoin` or `resync`: until the copy is synced, then the peer's
 * resubscribe (the copy may have cost the peer its slot on this host), until both directions replicate, then
 * joined (ready).
 */
async function joinAfterCopy(
  host: LocalHost,
  hosts: LocalHost[],
  options: { started: number; timeoutMs: number; progress: (message: string) => void },
): Promise<RebuildReport> {
  const peer = hosts.find((h) => h !== host) as LocalHost;
  await pollUntil(async () => ((await host.db.query<{ synced: boolean }>(SUBSCRIPTION_SYNCED_SQL))[0]?.synced ? true : undefined), {
    description: `${host.name}'s copy of ${peer.name}'s data to be synced`,
    timeoutMs: options.timeoutMs,
    intervalMs: 100,
  });
  const syncedAfterMs = Date.now() - options.started;
  options.progress(`${host.name}: synced after ${syncedAfterMs} ms; ${peer.name} subscribes to it anew`);
  await peer.db.psql(host.bootstrap.peerResubscribe);
  await waitForReplicating(hosts, options.timeoutMs);
  await host.db.psql(host.bootstrap.joined);
  return { syncedAfterMs, replicatingAfterMs: Date.now() - options.started };
}

async function resyncHost(host: LocalHost, hosts: LocalHost[], timeoutMs: number, progress: (message: string) => void): Promise<RebuildReport> {
  const started = Date.now();
  progress(`${host.name}: its slot on the peer is lost (the peer dropped WAL it never read): copying the peer's data again`);
  await host.db.psql(host.bootstrap.resync);
  const report = await joinAfterCopy(host, hosts, { started, timeoutMs, progress });
  progress(`${host.name}: resynced, replicating both ways after ${report.replicatingAfterMs} ms`);
  return report;
}

/** Each host's node, as the watchdog loop and the waits read it; its provider is the peer's replication address. */
function watchedNodes(hosts: LocalHost[], progress: (message: string) => void = () => undefined): WatchedNode[] {
  return hosts.map((h) => {
    const peer = hosts.find((other) => other !== h) as LocalHost;
    return {
      name: h.name,
      running: () => h.db.running,
      statuses: async () => (await h.db.query<{ status: string }>(SUBSCRIPTION_STATUS_SQL)).map((r) => r.status),
      providerUp: () => peer.db.acceptsConnections(peer.replicationAddress),
      // The statements of the rendered watchdog (BdrBootstrapSql.watchdog).
      kick: () => kickSubscriptions((sql) => h.db.query(sql)),
      resyncNeeded: async () => (await h.db.query<{ needed: boolean }>(RESYNC_NEEDED_SQL))[0]?.needed === true,
      resync: async () => {
        await resyncHost(h, hosts, REPLICATION_TIMEOUT_MS, progress);
      },
    };
  });
}

/** Waits for both subscriptions (see replication-wait), counting the watchdog's restarts; a timeout quotes both nodes' logs. */
async function waitForReplicating(hosts: LocalHost[], timeoutMs: number, watchdog?: SubscriptionWatchdogLoop): Promise<number> {
  const nudges = () => watchdog?.nudges ?? 0;
  const before = nudges();
  // Statuses only: the topology's watchdog loop does the restarting.
  const nodes: SubscriptionNode[] = watchedNodes(hosts).map(({ name, statuses }) => ({ name, statuses }));
  try {
    await waitUntilReplicating(nodes, { timeoutMs });
    return nudges() - before;
  } catch (err) {
    // The nodes' logs say why (apply worker errors, connection refusals); the temp dir goes with teardown.
    const logs = hosts.map((h) => `${h.name}'s postgres log:\n${logTail(h.db.logFile, 12)}`).join('\n');
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

async function teardown(
  baseDir: string,
  hosts: LocalHost[],
  packetFilter: PacketFilter,
  haproxy?: HaproxyProcess,
  watchdog?: SubscriptionWatchdogLoop,
): Promise<void> {
  const results: PromiseSettledResult<unknown>[] = [];
  await watchdog?.stop();
  try {
    packetFilter.removeAll();
  } catch (err) {
    results.push({ status: 'rejected', reason: err });
  }
  results.push(
    ...(await Promise.allSettled([
      haproxy?.stop(),
      // SIGINT: a teardown has nobody to drain for.
      ...hosts.map((h) => h.api.stop('SIGINT')),
    ])),
  );
  results.push(...(await Promise.allSettled(hosts.map((h) => h.db.stop('fast')))));
  keepLogs(baseDir);
  rmSync(baseDir, { recursive: true, force: true });
  forgetDirs.get(baseDir)?.();
  forgetDirs.delete(baseDir);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    throw failed.reason;
  }
}
