import { BDR_SUPERUSER } from './bdr-container-layout';
import { BdrNodeConfig } from './bdr-node-config';
import { ResolvedBdrNode, resolveBdrNodeConfig } from './resolve-bdr-node-config';
import { replicationHealthFunctionSql, SUBSCRIPTION_SYNCED_SQL } from './replication-health-sql';
import { MARK_JOINED_SQL, migrateScript, migrationFunctionsSql } from './render-schema-migrations';
import { DIVERGENCE_CHECK_SQL, divergenceCheckSql } from './divergence-check-sql';
import { staleSubscriptionsFunctionSql, SUBSCRIPTION_KICK_STATEMENTS, SUBSCRIPTION_KICK_TABLE_SQL } from './subscription-watchdog-sql';
import { sqlLiteral as literal } from './sql-text';
import { RESYNC_NEEDED_SQL, resyncStatements, staleSlotResyncFunctionsSql } from './stale-slot-resync-sql';

/**
 * The phases of bringing up a node. Run `local` on both nodes, then `subscribe` on both (a subscription fails
 * until the peer's node and replication set exist), then `migrate` on either or both.
 */
export interface BdrBootstrapSql {
  /**
   * Roles and their passwords, database, app schema, pglogical node and replication set. Needs nothing from the
   * peer. Safe to rerun on a live node, and meant to be: the Docker image runs it on every start.
   */
  readonly local: string;
  /** The subscription to the peer. Run after the peer's `local` phase. */
  readonly subscribe: string;
  /**
   * The schema's migrations: each new one applied here and queued for the peer, exactly once per node, in order.
   * Fails, naming the migration, when one changed after it was applied, its SQL fails, or a table it leaves
   * lacks a primary key or takes its key from a sequence with INCREMENT 1. Run it before the API of a new
   * version starts; safe to rerun.
   */
  readonly migrate: string;
  /**
   * On a node rebuilt with no data, in place of `subscribe` (after `local` and `migrate`): subscribes to the peer
   * and copies all of its data, then streams what the peer writes meanwhile. Wait until the subscription is
   * `replicating` and every table synced (`LocalTopology.rebuild` does) before the peer runs `resubscribe`.
   */
  readonly rejoin: string;
  /**
   * Run on the PEER of this node once this node's `rejoin` has synced: replaces the peer's subscription to the
   * node that was lost, whose slot died with it, by one to this node, starting now. Rendered from this node's
   * props, so a rebuilt node can run it on its peer.
   */
  readonly peerResubscribe: string;
  /**
   * Prints `t` when this node's subscription is `down` because the peer dropped WAL it never read (its slot there
   * is `lost`, past `max_slot_wal_keep_size`): the stream cannot resume, and the node must run `resync`.
   */
  readonly resyncNeeded: string;
  /**
   * On a node that `resyncNeeded`: not ready, then, once the peer has confirmed this node's own writes, its
   * replicated tables emptied and its subscription replaced by one that copies the peer's data, in one
   * transaction. Then, as after `rejoin`, wait for `synced`, run `peerResubscribe` on the peer (the copy, one
   * transaction, may have cost the peer its slot here), and mark it `joined`. Refuses when the peer's slot on
   * this node is lost too.
   */
  readonly resync: string;
  /** Prints `t` once this node's subscription is `replicating` and every table of it synced (a rejoin's copy is done). */
  readonly synced: string;
  /** libpq connection string of the peer's database, as the replication role: where `peerResubscribe` runs. */
  readonly peerConnection: string;
  /**
   * Marks this node joined (`failover_api.ready()` turns true): run once it replicates from its peer, after
   * `subscribe`, or after `rejoin` and the peer's `peerResubscribe`.
   */
  readonly joined: string;
  /**
   * Restarts a subscription pglogical left `down`, or left on a connection to the peer's previous postmaster; run it
   * every second while the peer accepts connections (see subscription-watchdog-sql).
   */
  readonly watchdog: string;
  /** Prints what still differs from the peer, one row each, `|`-separated (`failover_api.check_divergence()`). */
  readonly divergenceCheck: string;
}

/** psql variables the scripts read, so passwords never appear in rendered text: `psql -v api_password=...`. */
export const PSQL_API_PASSWORD_VAR = 'api_password';
export const PSQL_REPLICATION_PASSWORD_VAR = 'replication_password';

/** The replicated table the reference API reads and writes (its schema is `DatabaseSchemas.REFERENCE_API`). */
export const ITEMS_TABLE = 'app.items';

function dsn(node: ResolvedBdrNode, host: string, port: number): string {
  return `host=${host} port=${port} dbname=${node.database} user=${node.replicationUser}`;
}

/** The psql scripts that bring up a pglogical node, shared by the constructs and the local runtime. */
export class BootstrapSql {
  /** psql variable that carries the API role's password. */
  public static readonly API_PASSWORD_VAR = PSQL_API_PASSWORD_VAR;
  /** psql variable that carries the replication role's password. */
  public static readonly REPLICATION_PASSWORD_VAR = PSQL_REPLICATION_PASSWORD_VAR;

  /**
   * Idempotent psql scripts (`\gexec` guards every create), so a rerun after a partial failure is safe.
   * Works on PostgreSQL 15 and 16 with pglogical 2.4.
   */
  public static render(config: BdrNodeConfig): BdrBootstrapSql {
    return render(config);
  }

  /** Subscription name on a node, after the peer it pulls from. */
  public static subscriptionName(peerName: string): string {
    return `from_${peerName.replace(/-/g, '_')}`;
  }

  /** A ~/.pgpass line that gives the replication role's password to pglogical's workers (PGPASSFILE). */
  public static renderPgpass(user: string, password: string): string {
    const escape = (s: string) => s.replace(/[\\:]/g, (c) => `\\${c}`);
    return `*:*:*:${escape(user)}:${escape(password)}\n`;
  }

  private constructor() {}
}

/** @deprecated Use `BootstrapSql.subscriptionName`; this alias goes in 0.3.0. */
export function subscriptionName(peerName: string): string {
  return BootstrapSql.subscriptionName(peerName);
}

/** @deprecated Use `BootstrapSql.render`; this alias goes in 0.3.0. */
export function renderBootstrapSql(props: BdrNodeConfig): BdrBootstrapSql {
  return render(props);
}

/** @deprecated Use `BootstrapSql.renderPgpass`; this alias goes in 0.3.0. */
export function renderPgpass(user: string, password: string): string {
  return BootstrapSql.renderPgpass(user, password);
}

function render(props: BdrNodeConfig): BdrBootstrapSql {
  const node = resolveBdrNodeConfig(props);
  const db = node.database;
  const local = [
    '\\set ON_ERROR_STOP on',
    `SELECT format('CREATE ROLE %I LOGIN SUPERUSER REPLICATION', ${literal(node.replicationUser)})`,
    `  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(node.replicationUser)}) \\gexec`,
    `SELECT format('CREATE ROLE %I LOGIN', ${literal(node.apiUser)})`,
    `  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(node.apiUser)}) \\gexec`,
    // Every run sets the passwords it is given, so a rerun on each start applies a changed password.
    `SELECT format('ALTER ROLE %I PASSWORD %L', ${literal(node.replicationUser)}, :'${PSQL_REPLICATION_PASSWORD_VAR}') \\gexec`,
    `SELECT format('ALTER ROLE %I PASSWORD %L', ${literal(node.apiUser)}, :'${PSQL_API_PASSWORD_VAR}') \\gexec`,
    // The image's superuser shares the replication password (the migrator logs in as it); initdb set it only once.
    `SELECT format('ALTER ROLE %I PASSWORD %L', ${literal(BDR_SUPERUSER)}, :'${PSQL_REPLICATION_PASSWORD_VAR}') \\gexec`,
    `SELECT 'CREATE DATABASE ${db}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(db)}) \\gexec`,
    `\\connect ${db}`,
    'CREATE EXTENSION IF NOT EXISTS pglogical;',
    ...appSchemaSql(node),
    `SELECT pglogical.create_node(node_name := ${literal(node.local.name)}, dsn := ${literal(dsn(node, node.local.host, node.local.port))})`,
    `  WHERE NOT EXISTS (SELECT FROM pglogical.node WHERE node_name = ${literal(node.local.name)});`,
    // The migrator waits for apply_migration, so it never runs against a half-bootstrapped node; only the health
    // function, which reads the bookkeeping, comes after it.
    ...migrationFunctionsSql(node),
    ...replicationHealthFunctionSql(),
    ...divergenceCheckSql(),
    ...staleSlotResyncFunctionsSql(),
    ...staleSubscriptionsFunctionSql(), // after the divergence check, which creates dblink
    SUBSCRIPTION_KICK_TABLE_SQL,
  ];
  const sub = BootstrapSql.subscriptionName(node.peer.name);
  // forward_origins '{}' stops a change from bouncing back to the node it came from.
  const createSubscription = (name: string, providerDsn: string, synchronizeData: boolean) => [
    `SELECT pglogical.create_subscription(`,
    `    subscription_name := ${literal(name)},`,
    `    provider_dsn := ${literal(providerDsn)},`,
    "    replication_sets := ARRAY['default'],",
    '    synchronize_structure := false,',
    `    synchronize_data := ${synchronizeData},`,
    "    forward_origins := '{}')",
    `  WHERE NOT EXISTS (SELECT FROM pglogical.subscription WHERE sub_name = ${literal(name)});`,
  ];
  const peerDsn = dsn(node, node.peer.host, node.peer.port);
  const header = ['\\set ON_ERROR_STOP on', `\\connect ${db}`];
  const subscribe = [...header, ...createSubscription(sub, peerDsn, false)];
  // The copy: pglogical creates the slot on the peer with an exported snapshot, copies every table of the set in
  // that snapshot, then streams from the slot's start, so writes the peer takes meanwhile arrive after the copy.
  // A stale slot of the same name (the lost node's) is inactive, and pglogical drops and recreates it.
  const rejoin = [...header, ...createSubscription(sub, peerDsn, true)];
  const resync = [...header, ...resyncStatements(sub, createSubscription(sub, peerDsn, true))];
  // On the peer: its subscription to the lost node can never resume, since the slot died with the node.
  // drop_subscription also drops the lost node's record and replication origin; the new subscription starts at
  // this node's current WAL, which holds no write of its own yet (its API is not ready until this is done).
  const peerSub = BootstrapSql.subscriptionName(node.local.name);
  const peerResubscribe = [
    ...header,
    `SELECT pglogical.drop_subscription(${literal(peerSub)}, ifexists := true);`,
    ...createSubscription(peerSub, dsn(node, node.local.host, node.local.port), false),
  ];
  const watchdog = [...header, ...SUBSCRIPTION_KICK_STATEMENTS];
  const text = (lines: string[]) => lines.join('\n') + '\n';
  return {
    local: text(local),
    subscribe: text(subscribe),
    migrate: migrateScript(node),
    rejoin: text(rejoin),
    resyncNeeded: text([...header, RESYNC_NEEDED_SQL]),
    resync: text(resync),
    peerResubscribe: text(peerResubscribe),
    joined: text([...header, MARK_JOINED_SQL]),
    synced: text([...header, SUBSCRIPTION_SYNCED_SQL]),
    peerConnection: peerDsn,
    watchdog: text(watchdog),
    divergenceCheck: text([...header, DIVERGENCE_CHECK_SQL]),
  };
}

/**
 * The owner role and the app schema it owns; the API role may use the schema and gets exactly DML on its tables,
 * by default privileges, so tables a later migration creates are covered too. Nothing in it replicates yet: the
 * migrations create the tables, and add them to the replication set.
 */
function appSchemaSql(node: ResolvedBdrNode): string[] {
  const { apiUser: api, ownerUser: owner } = node;
  const schema = node.schema.name;
  return [
    `SELECT format('CREATE ROLE %I NOLOGIN', ${literal(owner)})`,
    `  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(owner)}) \\gexec`,
    `CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${owner};`,
    `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC;`,
    `GRANT USAGE ON SCHEMA ${schema} TO ${api};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${api};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${api};`,
    // The same on what exists already (e.g. made by a superuser by hand), so the API's rights are the same everywhere.
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${api};`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${api};`,
    // PostgreSQL 15 no longer lets PUBLIC create in `public`; older servers still do, so say it on every version.
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
    `ALTER ROLE ${api} IN DATABASE ${node.database} SET search_path = ${schema};`,
  ];
}
