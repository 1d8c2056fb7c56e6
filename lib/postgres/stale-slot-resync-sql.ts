import { BOOKKEEPING_SCHEMA } from './render-schema-migrations';
import { OWN_PGLOGICAL_SLOTS } from './replication-health-sql';
import { sqlLiteral } from './sql-text';

/**
 * A node away past its peer's `max_slot_wal_keep_size` finds its slot on the peer `lost`: the peer dropped WAL
 * this node never read, so the stream can never resume, and pglogical would retry it forever. The node copies
 * the peer's data again instead (the bootstrap's `resync`), without losing a write of its own:
 * - `resync_needed()`: this node's subscription is `down`, its slot on the peer is `lost` (asked over dblink, as
 *   the subscription reaches the peer), the peer is joined (never a peer that is itself copying), and the peer
 *   is reading this node's own slot. An unreachable peer decides nothing, and when both slots are lost neither
 *   node resyncs (see below).
 * - `prepare_resync(wait)`, in the transaction that replaces the subscription: it locks the replicated tables
 *   against writes, waits until the peer has confirmed this node's WAL up to that moment (the peer's own stream
 *   from this node is intact), and only then empties them, as the replica role, so pglogical's truncate
 *   trigger does not send the TRUNCATE to the peer. It refuses when this node's own slot is lost too: then both
 *   sides hold writes the other never got, and only `verify-replication --repair` can merge them.
 * - Once the copy is synced, the peer's subscription to this node is replaced (`peerResubscribe`), as after a
 *   rejoin. The copy is one transaction on this node, as large as the data, and the peer's slot here cannot move
 *   past its start: a copy larger than `max_slot_wal_keep_size` loses that slot. The peer has read every write
 *   of this node's own by then (`prepare_resync`), so its new subscription starts at the copy's end.
 */
export const RESYNC_NEEDED_FUNCTION = `${BOOKKEEPING_SCHEMA}.resync_needed()`;
export const RESYNC_NEEDED_SQL = `SELECT ${RESYNC_NEEDED_FUNCTION} AS needed;`;

/** Seconds `prepare_resync` waits for the peer to confirm this node's writes, holding the write locks. */
export const RESYNC_PEER_WAIT_SECONDS = 10;

/** The functions: part of the local bootstrap, rerun on every start. */
export function staleSlotResyncFunctionsSql(): string[] {
  const s = BOOKKEEPING_SCHEMA;
  return [
    `CREATE OR REPLACE FUNCTION ${RESYNC_NEEDED_FUNCTION} RETURNS boolean`,
    '  LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$',
    'DECLARE',
    '  sub record;',
    '  peer record;',
    'BEGIN',
    '  SELECT status, provider_dsn, slot_name INTO sub FROM pglogical.show_subscription_status() LIMIT 1;',
    "  IF NOT FOUND OR sub.status <> 'down' THEN RETURN false; END IF;",
    // Only while the peer reads this node's own slot: so this node's writes can reach it first, and of two nodes
    // whose slots were both lost (a partition), neither takes itself out of service.
    `  IF NOT EXISTS (SELECT FROM ${OWN_PGLOGICAL_SLOTS} AND active AND wal_status IS DISTINCT FROM 'lost') THEN RETURN false; END IF;`,
    '  BEGIN',
    `    SELECT * INTO peer FROM ${s}.dblink(sub.provider_dsn || ' connect_timeout=2', format(`,
    `      'SELECT (SELECT wal_status FROM pg_replication_slots WHERE slot_name = %L), (SELECT joined FROM ${s}.local_node)',`,
    '      sub.slot_name)) AS r(wal_status text, joined boolean);',
    '  EXCEPTION WHEN OTHERS THEN',
    '    RETURN false;',
    '  END;',
    // Never from a peer that is copying or resyncing itself: its tables may be empty or half-copied.
    "  RETURN coalesce(peer.wal_status = 'lost' AND peer.joined, false);",
    'END $fn$;',
    `REVOKE ALL ON FUNCTION ${RESYNC_NEEDED_FUNCTION} FROM PUBLIC;`,
    `CREATE OR REPLACE FUNCTION ${s}.prepare_resync(wait_seconds double precision) RETURNS pg_lsn`,
    '  LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$',
    'DECLARE',
    "  tables text := (SELECT string_agg(set_reloid::regclass::text, ', ') FROM pglogical.replication_set_table);",
    '  deadline timestamptz := clock_timestamp() + make_interval(secs => wait_seconds);',
    '  target pg_lsn;',
    'BEGIN',
    `  IF NOT EXISTS (SELECT FROM ${OWN_PGLOGICAL_SLOTS} AND wal_status IS DISTINCT FROM 'lost') THEN`,
    "    RAISE EXCEPTION 'both nodes dropped WAL the other never read: each may hold writes the other lacks'",
    "      USING HINT = 'merge them with npm run verify-replication -- --repair, then rebuild one node';",
    '  END IF;',
    "  IF tables IS NOT NULL THEN EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', tables); END IF;",
    '  target := pg_current_wal_lsn();',
    `  WHILE NOT coalesce((SELECT bool_and(confirmed_flush_lsn >= target) FROM ${OWN_PGLOGICAL_SLOTS}), false) LOOP`,
    '    IF clock_timestamp() > deadline THEN',
    "      RAISE EXCEPTION 'the peer has not confirmed this node''s writes up to % within % s', target, wait_seconds;",
    '    END IF;',
    '    PERFORM pg_sleep(0.1);',
    '  END LOOP;',
    "  PERFORM set_config('session_replication_role', 'replica', true);",
    "  IF tables IS NOT NULL THEN EXECUTE format('TRUNCATE %s', tables); END IF;",
    "  PERFORM set_config('session_replication_role', 'origin', true);",
    '  RETURN target;',
    'END $fn$;',
    `REVOKE ALL ON FUNCTION ${s}.prepare_resync(double precision) FROM PUBLIC;`,
  ];
}

/**
 * The resync script's body, after its header: not ready first (a transaction of its own), and then the load
 * balancer's detection time (`resyncDrainSeconds`, which the migrator records), so no request reaches the node
 * while its tables are empty; then one transaction that empties the tables and replaces the subscription by a
 * copying one, so a failure anywhere leaves the old subscription, and the next round tries again.
 */
export function resyncStatements(subscriptionName: string, createCopyingSubscription: string[]): string[] {
  return [
    `UPDATE ${BOOKKEEPING_SCHEMA}.local_node SET joined = false;`,
    `SELECT pg_sleep(resync_drain_seconds) FROM ${BOOKKEEPING_SCHEMA}.local_node;`,
    'BEGIN;',
    `SELECT ${BOOKKEEPING_SCHEMA}.prepare_resync(${RESYNC_PEER_WAIT_SECONDS});`,
    `SELECT pglogical.drop_subscription(${sqlLiteral(subscriptionName)}, ifexists := true);`,
    ...createCopyingSubscription,
    'COMMIT;',
  ];
}
