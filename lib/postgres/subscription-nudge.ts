/**
 * pglogical 2.4.2's manager sometimes fails to restart an apply worker that died when its provider went away, and
 * the subscription stays `down` for minutes. Its own restart of a crashed worker comes 5 s after the crash
 * (MIN_SLEEP in pglogical_manager.c), and the manager looks every 5 s while a worker is pending, so a subscription
 * still down after 10 s has been forgotten. Re-enabling it signals a subscription change, which wakes the manager.
 */
export const SUBSCRIPTION_NUDGE_AFTER_MS = 10_000;

/** SQL that re-enables every `down` subscription of this node and returns how many it nudged. */
export const NUDGE_DOWN_SUBSCRIPTIONS_SQL = [
  'SELECT count(pglogical.alter_subscription_enable(s.subscription_name, true)) AS nudged',
  "  FROM pglogical.show_subscription_status() s WHERE s.status = 'down';",
].join('\n');

/** SQL listing this node's subscription statuses, one per row. */
export const SUBSCRIPTION_STATUS_SQL = 'SELECT status FROM pglogical.show_subscription_status();';
