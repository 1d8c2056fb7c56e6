/**
 * FAILOVER_TEST_TIME_SCALE multiplies every latency bound and deadline of the tests that run real processes, for
 * a slow or shared machine (as Patroni's timeout_multiplier and HAProxy's HAPROXY_TEST_TIMEOUT do). 1 by default;
 * `FAILOVER_TEST_TIME_SCALE=3 npm test` gives every bound three times the time.
 */
function readScale(): number {
  const raw = process.env.FAILOVER_TEST_TIME_SCALE;
  if (raw === undefined || raw === '') {
    return 1;
  }
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 1 || scale > 100) {
    throw new Error(`FAILOVER_TEST_TIME_SCALE must be a number from 1 to 100, got ${JSON.stringify(raw)}`);
  }
  return scale;
}

export const TIME_SCALE = readScale();

/** `ms` on this machine's time scale. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}
