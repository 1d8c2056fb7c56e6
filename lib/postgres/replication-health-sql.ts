import { BOOKKEEPING_SCHEMA } from './render-schema-migrations';

/**
 * Replication health, one query a user can alert on: `SELECT * FROM failover_api.replication_health()` on either
 * node, as a superuser (or a role with pg_monitor). A row says, for this node:
 * - `subscription`, `subscription_status`: the stream from the peer into this node (`replicating`, `down`, ...);
 * - `peer_slot`, `peer_slot_active`, `peer_slot_wal_status`: the slot the peer reads this node's changes from.
 *   `lost` means this node dropped WAL the peer never read (`max_slot_wal_keep_size`): the peer can no longer
 *   catch up, and copies this node's data again when it returns (stale-slot-resync-sql);
 * - `retained_wal_bytes`: WAL this node keeps for the peer, against `max_slot_wal_keep_size`;
 * - `peer_lag_bytes`, `peer_lag_seconds`: how far the peer is behind this node (seconds only while it is connected).
 */
export const REPLICATION_HEALTH_FUNCTION = `${BOOKKEEPING_SCHEMA}.replication_health()`;
export const REPLICATION_HEALTH_SQL = `SELECT * FROM ${REPLICATION_HEALTH_FUNCTION};`;

/** This node's pglogical slots, which the peer reads its changes from: a `FROM` clause. */
export const OWN_PGLOGICAL_SLOTS = "pg_replication_slots WHERE plugin = 'pglogical_output' AND database = current_database()";

/** The function's definition: part of the local bootstrap, rerun on every start. */
export function replicationHealthFunctionSql(): string[] {
  return [
    `CREATE OR REPLACE FUNCTION ${REPLICATION_HEALTH_FUNCTION}`,
    '  RETURNS TABLE (node text, subscription text, subscription_status text, peer_slot text, peer_slot_active boolean,',
    '                 peer_slot_wal_status text, retained_wal_bytes bigint, peer_lag_bytes bigint, peer_lag_seconds double precision)',
    '  LANGUAGE sql STABLE SET search_path = pg_catalog AS $fn$',
    '  SELECT l.node_name, s.subscription_name::text, s.status::text, r.slot_name::text, r.active, r.wal_status,',
    '         pg_wal_lsn_diff(pg_current_wal_lsn(), r.restart_lsn)::bigint,',
    '         pg_wal_lsn_diff(pg_current_wal_lsn(), r.confirmed_flush_lsn)::bigint,',
    '         extract(epoch FROM w.replay_lag)::double precision',
    `    FROM ${BOOKKEEPING_SCHEMA}.local_node l`,
    '    LEFT JOIN pglogical.show_subscription_status() s ON true',
    `    LEFT JOIN (SELECT * FROM ${OWN_PGLOGICAL_SLOTS}) r ON true`,
    '    LEFT JOIN pg_stat_replication w ON w.pid = r.active_pid',
    '$fn$;',
    `REVOKE ALL ON FUNCTION ${REPLICATION_HEALTH_FUNCTION} FROM PUBLIC;`,
  ];
}

/** One node's replication health, as `replication_health()` reports it. */
export interface ReplicationHealth {
  readonly node: string;
  readonly subscriptionStatus: string | null;
  readonly peerSlotActive: boolean | null;
  readonly peerSlotWalStatus: string | null;
  readonly retainedWalBytes: number | null;
  readonly peerLagBytes: number | null;
  readonly peerLagSeconds: number | null;
}

/** A `replication_health()` row (values as pg or psql give them) as a ReplicationHealth. */
export function replicationHealthOf(row: Record<string, unknown> | undefined): ReplicationHealth {
  const text = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));
  const num = (v: unknown) => (text(v) === null ? null : Number(v));
  return {
    node: String(row?.node ?? ''),
    subscriptionStatus: text(row?.subscription_status),
    peerSlotActive: text(row?.peer_slot_active) === null ? null : row?.peer_slot_active === true || row?.peer_slot_active === 't',
    peerSlotWalStatus: text(row?.peer_slot_wal_status),
    retainedWalBytes: num(row?.retained_wal_bytes),
    peerLagBytes: num(row?.peer_lag_bytes),
    peerLagSeconds: num(row?.peer_lag_seconds),
  };
}

/**
 * One row, `synced`: true once this node's subscription is `replicating` and pglogical reports every table of it
 * ready (`local_sync_status` 'r'), i.e. a rejoin's copy is complete and streaming.
 */
export const SUBSCRIPTION_SYNCED_SQL = [
  "SELECT coalesce((SELECT bool_and(status = 'replicating') FROM pglogical.show_subscription_status()), false)",
  "   AND NOT EXISTS (SELECT FROM pglogical.local_sync_status WHERE sync_status <> 'r') AS synced;",
].join('\n');
