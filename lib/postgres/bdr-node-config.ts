import { DatabaseSchema } from './database-schema';

/** How a client is authenticated in pg_hba.conf. */
export enum PgAuthMethod {
  /** Password, hashed with SCRAM (the default for network connections). */
  SCRAM_SHA_256 = 'scram-sha-256',
  /** The OS user must match the database user (unix socket only). */
  PEER = 'peer',
  /** No password. Only for a unix socket in a private directory. */
  TRUST = 'trust',
}

/** A Postgres node another node connects to. */
export interface PgEndpoint {
  /** pglogical node name; also names the subscription `from_<name>`. */
  readonly name: string;
  /** Address (or DNS name) other nodes use to reach this node. */
  readonly host: string;
  /**
   * Port.
   * @default 5432
   */
  readonly port?: number;
}

/** Everything the BDR-style node renderers need: one pglogical node and its peer. */
export interface BdrNodeConfig {
  /**
   * This node, as its peer reaches it. Required (it is optional only while the deprecated `self` remains).
   * @default the deprecated `self`
   */
  readonly local?: PgEndpoint;
  /**
   * @deprecated Use `local`, a name every jsii language can use (`self` is reserved in Python). Goes in 0.3.0.
   * @default none
   */
  readonly self?: PgEndpoint;
  /** The node this one replicates with, both ways. */
  readonly peer: PgEndpoint;
  /**
   * Addresses (or CIDR blocks) the peer's replication connections come from.
   * @default the peer's `host`, when it is an IP address
   */
  readonly peerAddresses?: string[];
  /** Addresses (or CIDR blocks) the local API connects from. */
  readonly apiAddresses: string[];
  /**
   * Address(es) Postgres listens on, comma separated as in `listen_addresses`.
   * @default '*'
   */
  readonly listenAddresses?: string;
  /**
   * Port Postgres listens on.
   * @default 5432
   */
  readonly listenPort?: number;
  /**
   * Database holding the replicated app schema.
   * @default 'api'
   */
  readonly database?: string;
  /**
   * Login role of the API.
   * @default 'api'
   */
  readonly apiUser?: string;
  /**
   * Role that owns the app schema and everything its migrations create. It cannot log in; migrations run as it.
   * @default 'api_owner'
   */
  readonly ownerUser?: string;
  /**
   * Your API's schema and its migrations. Every table in the schema replicates; the API role gets exactly
   * SELECT, INSERT, UPDATE and DELETE on them.
   * @default DatabaseSchemas.REFERENCE_API: schema `app` with the reference API's `items`
   */
  readonly schema?: DatabaseSchema;
  /**
   * Role pglogical replicates as (superuser + replication, as pglogical requires).
   * @default 'replicator'
   */
  readonly replicationUser?: string;
  /**
   * Authentication for unix-socket connections (admin and bootstrap).
   * @default PgAuthMethod.PEER
   */
  readonly localAuthMethod?: PgAuthMethod;
  /**
   * Whether this server has the `output_plugin_libraries` allowlist (PostgreSQL 15.19, 16.15 and later);
   * if so, `pglogical_output` is added to it. Detect with `PostgresSettings.describesOutputPluginAllowlist`.
   * @default false
   */
  readonly outputPluginAllowlist?: boolean;
  /**
   * The most WAL, in MiB, this node keeps for a peer that is not consuming it (`max_slot_wal_keep_size`). A
   * peer away longer than that loses its slot (`wal_status = 'lost'`) and, when it returns, copies this node's
   * data again (it resyncs); so does a peer behind one transaction larger than this. -1 keeps WAL without
   * limit, so a peer gone for days can fill this node's disk, the only one still serving. Size it to what the
   * data volume can spare, and above the largest transaction.
   * @default 10240 (10 GiB)
   */
  readonly maxSlotWalKeepSizeMb?: number;
  /**
   * Seconds a node whose slot on its peer was lost stays not ready before it empties its tables to copy the
   * peer's data again (`BdrBootstrapSql.resync`), so the load balancer's health check has taken it out of
   * service first. Give at least the check's detection time: `fall` checks `interval` apart, plus its timeout.
   * `FailoverApi` derives it from its `healthCheck`. The `migrate` script records it, so a change restarts no
   * database.
   * @default 18 (HAProxy's default check: 3 checks 5 s apart, its 2 s timeout, and a second to spare)
   */
  readonly resyncDrainSeconds?: number;
  /**
   * Seconds between the Docker image's divergence checks (`failover_api.check_divergence()`), which compare this
   * node's rows with the peer's and log any difference replication did not fix. 0 turns them off.
   * @default 600
   */
  readonly divergenceCheckIntervalSeconds?: number;
  /**
   * Logical replication slots, WAL senders and worker processes to reserve.
   * @default 10
   */
  readonly replicationCapacity?: number;
}
