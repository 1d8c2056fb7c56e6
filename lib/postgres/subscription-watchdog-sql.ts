import { BOOKKEEPING_SCHEMA } from './render-schema-migrations';

/**
 * Why pglogical 2.4 leaves a subscription `down` after its provider restarts (`pglogical_manager.c`,
 * `pglogical_worker.c`):
 * - The manager restarts a crashed apply worker 5 s after the crash (MIN_SLEEP), and while a worker is pending it
 *   looks again every 5 s.
 * - The restarted worker attaches and, if its provider is still down, fails at once ("connection refused").
 *   `wait_for_worker_startup` then consumes the exit notification, and `manage_apply_workers` reports every worker
 *   handled. So the manager sleeps its sequence timer, which starts at 10 s and doubles to 180 s when no sequence
 *   needs syncing. The subscription stays `down` that long, however soon the provider is back.
 * - Re-enabling the subscription wakes the manager, but it still waits until 5 s after the failed restart.
 *   Disabling it first makes the manager clear the crashed worker's slot, so the enable starts a worker at once.
 *
 * The watchdog therefore restarts (disables, then enables) a subscription that is `down` while its provider
 * accepts connections: replication is back within one watchdog interval of the provider's return.
 *
 * A host that vanishes and comes back leaves the other kind: `replicating`, on a connection to the provider's old
 * postmaster. pglogical's apply loop has no receive timeout (`apply_work`: it only errors when the socket does),
 * sends nothing while idle, and forces its own TCP keepalives (20 s idle, `pglogical_connect_base`, after the
 * DSN's). So only a keepalive probe, up to 20 s later, draws the reset that ends it: replication from the returned
 * host resumed 1.2 to 12.5 s after it was back. The watchdog restarts such a subscription too
 * (`STALE_SUBSCRIPTIONS_FUNCTION`).
 */

/** How often each watchdog looks: the image's loop, the local runtime's, the waits'. */
export const SUBSCRIPTION_WATCHDOG_INTERVAL_MS = 1000;

/** Seconds between restarts of one subscription, so one whose worker fails for another reason is not restarted in a loop. */
export const SUBSCRIPTION_KICK_MIN_INTERVAL_S = 5;

/** The bookkeeping of restarts (bootstrap `local`): a restart cut off between its two steps is finished by the next. */
export const SUBSCRIPTION_KICK_TABLE_SQL = [
  `CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_SCHEMA}.subscription_kick (`,
  '  subscription_name name PRIMARY KEY,',
  '  kicked_at timestamptz NOT NULL,',
  '  pending boolean NOT NULL',
  ');',
].join('\n');

/** The function that names the subscriptions connected to a provider that has restarted since (bootstrap `local`). */
export const STALE_SUBSCRIPTIONS_FUNCTION = `${BOOKKEEPING_SCHEMA}.stale_subscriptions()`;

/**
 * A `replicating` subscription is stale when its provider has been up for less time than its apply worker has
 * (the provider restarted after the worker connected), and the provider's slot for it has no reader. Ages, not
 * timestamps: each is read on its own node's clock, so clock skew between the hosts cannot make a healthy
 * worker look stale. The slot check covers a worker that started before its provider did and connected later.
 * Needs dblink (the divergence check creates it) and the provider answering; a provider that does not answer
 * makes nothing stale.
 */
export function staleSubscriptionsFunctionSql(): string[] {
  return [
    `CREATE OR REPLACE FUNCTION ${STALE_SUBSCRIPTIONS_FUNCTION} RETURNS SETOF name`,
    '  LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$',
    'DECLARE',
    '  sub record;',
    '  worker_age double precision;',
    '  peer record;',
    'BEGIN',
    '  FOR sub IN SELECT s.sub_id, st.subscription_name, st.slot_name, st.provider_dsn',
    '    FROM pglogical.show_subscription_status() st JOIN pglogical.subscription s ON s.sub_name = st.subscription_name',
    "    WHERE st.status = 'replicating'",
    '  LOOP',
    // pglogical names each apply worker's session after its database and subscription (pglogical_worker.c).
    '    SELECT extract(epoch FROM now() - backend_start) INTO worker_age FROM pg_stat_activity',
    "      WHERE application_name = format('pglogical apply %s:%s', (SELECT oid FROM pg_database WHERE datname = current_database()), sub.sub_id);",
    '    CONTINUE WHEN worker_age IS NULL;',
    '    BEGIN',
    `      SELECT * INTO peer FROM ${BOOKKEEPING_SCHEMA}.dblink(sub.provider_dsn || ' connect_timeout=2', format(`,
    "        'SELECT extract(epoch FROM now() - pg_postmaster_start_time()), coalesce((SELECT active FROM pg_replication_slots WHERE slot_name = %L), false)',",
    '        sub.slot_name)) AS r(uptime double precision, slot_read boolean);',
    '    EXCEPTION WHEN OTHERS THEN',
    '      CONTINUE;',
    '    END;',
    '    IF peer.uptime < worker_age AND NOT peer.slot_read THEN',
    '      RETURN NEXT sub.subscription_name;',
    '    END IF;',
    '  END LOOP;',
    'END $fn$;',
    `REVOKE ALL ON FUNCTION ${STALE_SUBSCRIPTIONS_FUNCTION} FROM PUBLIC;`,
  ];
}

/**
 * The watchdog: each statement its own transaction, in order (psql -f, or one query each). The first disables
 * every `down` or stale subscription not restarted in the last few seconds and records it; once that commits, the manager
 * clears its crashed worker, and the second enables what is recorded (returning `kicked`, the count). Run it only
 * while the provider accepts connections: restarting a worker whose provider is down changes nothing.
 */
export const SUBSCRIPTION_KICK_STATEMENTS = [
  [
    'WITH due AS (',
    `  INSERT INTO ${BOOKKEEPING_SCHEMA}.subscription_kick AS k (subscription_name, kicked_at, pending)`,
    "  SELECT s.subscription_name, now(), true FROM pglogical.show_subscription_status() s WHERE s.status = 'down'",
    `    OR s.subscription_name IN (SELECT * FROM ${STALE_SUBSCRIPTIONS_FUNCTION})`,
    '  ON CONFLICT (subscription_name) DO UPDATE SET kicked_at = now(), pending = true',
    `    WHERE k.kicked_at < now() - interval '${SUBSCRIPTION_KICK_MIN_INTERVAL_S} seconds'`,
    '  RETURNING subscription_name)',
    'SELECT count(pglogical.alter_subscription_disable(subscription_name, false)) AS disabled FROM due;',
  ].join('\n'),
  [
    `WITH done AS (UPDATE ${BOOKKEEPING_SCHEMA}.subscription_kick SET pending = false WHERE pending RETURNING subscription_name)`,
    'SELECT count(pglogical.alter_subscription_enable(d.subscription_name, false)) AS kicked',
    '  FROM done d JOIN pglogical.subscription s ON s.sub_name = d.subscription_name;',
  ].join('\n'),
];

/** SQL listing this node's subscription statuses, one per row. */
export const SUBSCRIPTION_STATUS_SQL = 'SELECT status FROM pglogical.show_subscription_status();';
