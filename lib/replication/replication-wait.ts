import { SUBSCRIPTION_KICK_STATEMENTS, SUBSCRIPTION_WATCHDOG_INTERVAL_MS } from '../postgres/subscription-watchdog-sql';
import { pollUntil } from '../polling/poll';

/** One pglogical node, however it is reached (a local socket, `docker exec`). */
export interface SubscriptionNode {
  readonly name: string;
  /** The statuses of the node's subscriptions. */
  statuses(): Promise<string[]>;
  /**
   * Runs the rendered watchdog, which restarts the subscriptions that are `down` or stale; resolves with how many
   * it restarted. Absent where something else runs the watchdog (the local runtime's own loop).
   */
  kick?(): Promise<number>;
}

/**
 * Runs the rendered watchdog's statements on one node through `query` (each its own transaction, in order), and
 * resolves with how many subscriptions it restarted.
 */
export async function kickSubscriptions(query: (sql: string) => Promise<{ kicked?: string | number }[]>): Promise<number> {
  let kicked = 0;
  for (const statement of SUBSCRIPTION_KICK_STATEMENTS) {
    kicked = Number((await query(statement))[0]?.kicked ?? 0);
  }
  return kicked;
}

/** Options of `waitUntilReplicating`. */
export interface ReplicationWaitOptions {
  readonly timeoutMs: number;
  /**
   * Milliseconds between status reads.
   * @default 200
   */
  readonly intervalMs?: number;
  /**
   * Told each time a subscription is restarted, with why.
   * @default silent
   */
  readonly onNudge?: (message: string) => void;
}

/**
 * Watches one node's subscriptions and, while one is `down` and its provider answers, restarts it, at most once
 * per watchdog interval. pglogical forgets a worker whose restart failed while the provider was down
 * (subscription-watchdog-sql says why), so this is what brings replication back when the provider returns.
 */
export class SubscriptionWatchdog {
  private lastKick = 0;
  /** How many subscriptions this watchdog restarted. */
  nudges = 0;

  constructor(
    readonly node: SubscriptionNode,
    private readonly options: Pick<ReplicationWaitOptions, 'onNudge'> = {},
  ) {}

  /** Runs the watchdog on a node with these statuses, if its provider is up: it restarts a down or stale subscription. */
  async observe(statuses: string[], providerUp: boolean): Promise<void> {
    const now = Date.now();
    // `replicating` too: the watchdog also restarts one left on a restarted provider's dead connection.
    const due = statuses.includes('down') || statuses.includes('replicating');
    if (!due || !providerUp || !this.node.kick || now - this.lastKick < SUBSCRIPTION_WATCHDOG_INTERVAL_MS) {
      return;
    }
    this.lastKick = now;
    const kicked = await this.node.kick();
    if (kicked > 0) {
      this.nudges += kicked;
      this.options.onNudge?.(
        `${this.node.name}: restarted a subscription that was down, or stuck on a connection its restarted provider dropped, ` +
          'while its provider answers (subscription-watchdog-sql says why pglogical leaves either)',
      );
    }
  }
}

/**
 * Reads every node's statuses once, and restarts a `down` subscription whose provider (the other node)
 * answered. Resolves with each node's statuses, or undefined for a node that did not answer.
 */
export async function checkPair(watchdogs: SubscriptionWatchdog[]): Promise<(string[] | undefined)[]> {
  const statuses = await Promise.all(watchdogs.map((w) => w.node.statuses().catch(() => undefined)));
  await Promise.all(
    watchdogs.map((w, i) => {
      const s = statuses[i];
      return s
        ? w
            .observe(
              s,
              statuses.some((other, j) => j !== i && other !== undefined),
            )
            .catch(() => undefined)
        : undefined;
    }),
  );
  return statuses;
}

/** Polls every node until all its subscriptions are `replicating`, with a watchdog on each; resolves with its restarts. */
export async function waitUntilReplicating(nodes: SubscriptionNode[], options: ReplicationWaitOptions): Promise<number> {
  const watchdogs = nodes.map((node) => new SubscriptionWatchdog(node, options));
  await pollUntil(
    async () => {
      const statuses = await checkPair(watchdogs);
      const pending = statuses.flatMap((s, i) =>
        s && s.length > 0 && s.every((x) => x === 'replicating') ? [] : [`${nodes[i].name}: ${s?.join(', ') || (s ? 'none' : 'no answer')}`],
      );
      if (pending.length === 0) {
        return true;
      }
      throw new Error(`subscription status: ${pending.join('; ')}`);
    },
    {
      description: `${nodes.map((n) => n.name).join(' and ')}'s subscriptions to be replicating`,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs ?? 200,
    },
  );
  return watchdogs.reduce((sum, w) => sum + w.nudges, 0);
}
