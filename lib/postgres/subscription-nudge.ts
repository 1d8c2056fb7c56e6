/**
 * pglogical 2.4.2's manager sometimes fails to restart an apply worker that died when its provider went away, and
 * then waits on its long timer (minutes) with the subscription `down`. Re-enabling the subscription wakes it at
 * once. Give pglogical this long (its own restart takes about 5 s) before nudging.
 */
export const SUBSCRIPTION_NUDGE_AFTER_MS = 10_000;

/** SQL that re-enables every `down` subscription of this node and returns how many it nudged. */
export const NUDGE_DOWN_SUBSCRIPTIONS_SQL = [
  'SELECT count(pglogical.alter_subscription_enable(s.subscription_name, true)) AS nudged',
  "  FROM pglogical.show_subscription_status() s WHERE s.status = 'down';",
].join('\n');

/** SQL listing this node's subscription statuses, one per row. */
export const SUBSCRIPTION_STATUS_SQL = 'SELECT status FROM pglogical.show_subscription_status();';
