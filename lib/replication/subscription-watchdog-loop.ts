import { SUBSCRIPTION_WATCHDOG_INTERVAL_MS } from '../postgres/subscription-watchdog-sql';
import { SubscriptionNode, SubscriptionWatchdog } from './replication-wait';

/** One node the loop watches, with how to tell whether its provider accepts connections. */
export interface WatchedNode extends SubscriptionNode {
  /** Whether the node is running at all (a stopped node is skipped). */
  running(): boolean;
  /** Whether this node's provider (its peer) accepts connections where the subscription reaches it. */
  providerUp(): Promise<boolean>;
  /** Whether the node's slot on its provider is lost, so its stream can never resume (`resync_needed()`). */
  resyncNeeded?(): Promise<boolean>;
  /** Copies the provider's data again (the bootstrap's `resync`), until the node is joined. */
  resync?(): Promise<void>;
}

/**
 * The watchdog the Docker image runs (bdr-bootstrap.sh), as a loop in this process: every second, each running
 * node's `down` subscription is restarted if its provider accepts connections, or, when its slot on the provider
 * is lost, the node resyncs (in the background: the peer's own restarts go on meanwhile). `stop()` waits for a
 * round and any resync in flight.
 */
export class SubscriptionWatchdogLoop {
  private readonly watchdogs: SubscriptionWatchdog[];
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private readonly resyncs: (Promise<void> | undefined)[] = [];
  private stopped = false;

  constructor(
    private readonly nodes: WatchedNode[],
    private readonly onNudge?: (message: string) => void,
  ) {
    this.watchdogs = nodes.map((n) => new SubscriptionWatchdog(n, { onNudge }));
    this.schedule();
  }

  /** Subscriptions restarted so far. */
  get nudges(): number {
    return this.watchdogs.reduce((sum, w) => sum + w.nudges, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    await Promise.all(this.resyncs);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.round = this.check().finally(() => {
        if (!this.stopped) {
          this.schedule();
        }
      });
    }, SUBSCRIPTION_WATCHDOG_INTERVAL_MS);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node, i) => {
        if (!node.running() || this.resyncs[i]) {
          return;
        }
        try {
          const statuses = await node.statuses();
          if (statuses.length === 0) {
            return;
          }
          const providerUp = await node.providerUp();
          if (providerUp && statuses.includes('down') && node.resync && (await node.resyncNeeded?.())) {
            this.resyncs[i] = node
              .resync()
              .catch((err: Error) => this.onNudge?.(`${node.name}: resync not done yet, the next round tries again: ${err.message}`))
              .finally(() => (this.resyncs[i] = undefined));
            return;
          }
          await this.watchdogs[i].observe(statuses, providerUp);
        } catch {
          // a node stopping or starting under us: the next round looks again
        }
      }),
    );
  }
}
