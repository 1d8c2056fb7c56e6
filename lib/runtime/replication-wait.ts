import { SUBSCRIPTION_NUDGE_AFTER_MS } from '../postgres/subscription-nudge';
import { pollUntil } from './poll';

/** One pglogical node, however it is reached (a local socket, `docker exec`). */
export interface SubscriptionNode {
  readonly name: string;
  /** The statuses of the node's subscriptions. */
  statuses(): Promise<string[]>;
  /** Runs the rendered watchdog, which re-enables subscriptions that are down. */
  nudge(): Promise<void>;
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
   * Milliseconds a subscription may stay `down` before it is nudged.
   * @default SUBSCRIPTION_NUDGE_AFTER_MS (10 s; pglogical's own restart takes up to 10 s)
   */
  readonly nudgeAfterMs?: number;
  /**
   * Told each time a subscription is nudged, with why.
   * @default silent
   */
  readonly onNudge?: (message: string) => void;
}

/**
 * Watches one node's subscriptions and nudges one left `down` for `nudgeAfterMs`, again every `nudgeAfterMs`
 * while it stays down. pglogical restarts a crashed apply worker 5 s after the crash, and its manager looks every
 * 5 s while a worker is pending, so a subscription still down after 10 s has been forgotten (README, the watchdog).
 */
export class SubscriptionWatchdog {
  private downSince?: number;
  private lastNudge?: number;
  /** How many times this watchdog nudged. */
  nudges = 0;

  constructor(private readonly node: SubscriptionNode, private readonly options: Pick<ReplicationWaitOptions, 'nudgeAfterMs' | 'onNudge'> = {}) {}

  /** Reads the statuses, nudges if due, and returns them. */
  async check(): Promise<string[]> {
    const statuses = await this.node.statuses();
    const now = Date.now();
    if (!statuses.includes('down')) {
      this.downSince = undefined;
      return statuses;
    }
    this.downSince ??= now;
    const after = this.options.nudgeAfterMs ?? SUBSCRIPTION_NUDGE_AFTER_MS;
    if (now - Math.max(this.downSince, this.lastNudge ?? 0) >= after) {
      this.lastNudge = now;
      this.nudges++;
      await this.node.nudge();
      this.options.onNudge?.(`${this.node.name}: subscription down for ${Math.round((now - this.downSince) / 1000)} s; ` +
        "re-enabled it to wake pglogical's manager (it restarts a crashed apply worker within 10 s, so this one was forgotten)");
    }
    return statuses;
  }
}

/** Polls every node until all its subscriptions are `replicating`, with a watchdog on each; resolves with its nudges. */
export async function waitUntilReplicating(nodes: SubscriptionNode[], options: ReplicationWaitOptions): Promise<number> {
  const watchdogs = nodes.map((node) => new SubscriptionWatchdog(node, options));
  await Promise.all(nodes.map((node, i) => {
    const watchdog = watchdogs[i];
    return pollUntil(async () => {
      const statuses = await watchdog.check();
      if (statuses.length > 0 && statuses.every((s) => s === 'replicating')) {
        return true;
      }
      throw new Error(`subscription status: ${statuses.join(', ') || 'none'}`);
    }, { description: `${node.name}'s subscription to be replicating`, timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 200 });
  }));
  return watchdogs.reduce((sum, w) => sum + w.nudges, 0);
}
