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
   * @default SUBSCRIPTION_NUDGE_AFTER_MS (10 s; pglogical's own restart takes about 5 s)
   */
  readonly nudgeAfterMs?: number;
  /**
   * Told each time a subscription is nudged.
   * @default silent
   */
  readonly onNudge?: (message: string) => void;
}

/**
 * Polls every node until all its subscriptions are `replicating`. A subscription still `down` after
 * SUBSCRIPTION_NUDGE_AFTER_MS gets the watchdog (pglogical 2.4.2 can leave it down for minutes), again every
 * SUBSCRIPTION_NUDGE_AFTER_MS while it stays down.
 */
export async function waitUntilReplicating(nodes: SubscriptionNode[], options: ReplicationWaitOptions): Promise<void> {
  const started = Date.now();
  const nudgeAfter = options.nudgeAfterMs ?? SUBSCRIPTION_NUDGE_AFTER_MS;
  await Promise.all(nodes.map((node) => {
    let lastNudge = started;
    return pollUntil(async () => {
      const statuses = await node.statuses();
      if (statuses.length > 0 && statuses.every((s) => s === 'replicating')) {
        return true;
      }
      if (statuses.includes('down') && Date.now() - lastNudge >= nudgeAfter) {
        lastNudge = Date.now();
        await node.nudge();
        options.onNudge?.(`${node.name}: subscription still down after ${Math.round((Date.now() - started) / 1000)} s; re-enabled it to wake pglogical's manager`);
      }
      throw new Error(`subscription status: ${statuses.join(', ') || 'none'}`);
    }, { description: `${node.name}'s subscription to be replicating`, timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 200 });
  }));
}
