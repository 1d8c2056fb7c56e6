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

/**
 * The watchdog: each statement its own transaction, in order (psql -f, or one query each). The first disables
 * every `down` subscription not restarted in the last few seconds and records it; once that commits, the manager
 * clears its crashed worker, and the second enables what is recorded (returning `kicked`, the count). Run it only
 * while the provider accepts connections: restarting a worker whose provider is down changes nothing.
 */
export const SUBSCRIPTION_KICK_STATEMENTS = [
  [
    'WITH due AS (',
    `  INSERT INTO ${BOOKKEEPING_SCHEMA}.subscription_kick AS k (subscription_name, kicked_at, pending)`,
    "  SELECT s.subscription_name, now(), true FROM pglogical.show_subscription_status() s WHERE s.status = 'down'",
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
