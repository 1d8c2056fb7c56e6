/**
 * How HAProxy spreads requests over the API servers and fails over between them.
 * The first server in the list is the primary.
 */
export enum FailoverStrategy {
  /**
   * The HAProxy article's fix: every server active, `balance roundrobin` with weights 100 (primary) and 1 (others),
   * `option redispatch`, and the stick table. About 1 request in 101 reaches a secondary while the primary
   * is up; a failed connection is redispatched to another server, so a rolling update sees no 503s.
   * With more than two servers, every secondary gets weight 1.
   */
  WEIGHTED_STICK = 'weighted-stick',
  /**
   * Every server active with `balance first` and `option redispatch`: all traffic goes to the primary while
   * it is up, a failed connection is redispatched to the next server at once, and traffic fails back when
   * the primary returns. With more than two servers, the list order is the failover order.
   */
  PRIMARY_FIRST = 'primary-first',
  /**
   * The HAProxy article's first config: secondaries marked `backup`. UNSAFE for rolling updates: while the primary is
   * down but not yet marked DOWN, a redispatch never picks a backup, so clients get 503s. Kept to show and
   * regression-test that failure. With more than two servers, only the first backup takes traffic.
   */
  BACKUP = 'backup',
}

export const FAILOVER_STRATEGIES: readonly FailoverStrategy[] = Object.values(FailoverStrategy);
