import { SubscriptionNode, waitUntilReplicating } from '../../lib/node-runtime';

/**
 * A node whose subscription reports the given statuses in turn; if `stuck`, it stays down until kicked, and if
 * `stale`, it says `replicating` but the watchdog finds it on a dead connection until kicked. With
 * `answers: false` it does not answer at all (its database is down). `kicks` counts the watchdog's restarts;
 * like the rendered watchdog, a run that finds nothing to restart restarts nothing.
 */
function node(
  name: string,
  script: string[],
  options: { stuck?: boolean; stale?: boolean; answers?: boolean } = {},
): SubscriptionNode & { kicks: number; runs: number } {
  let i = 0;
  let last = '';
  const n = {
    name,
    kicks: 0,
    runs: 0,
    statuses: async () => {
      if (options.answers === false) {
        throw new Error('connection refused');
      }
      last = options.stuck && n.kicks === 0 ? 'down' : script[Math.min(i++, script.length - 1)];
      return [last];
    },
    kick: async () => {
      n.runs++;
      const due = last === 'down' || (options.stale === true && n.kicks === 0);
      n.kicks += due ? 1 : 0;
      return due ? 1 : 0;
    },
  };
  return n;
}

describe('waitUntilReplicating', () => {
  test('restarts a subscription that is down while its provider answers, once, and reports it', async () => {
    const stuck = node('server1', ['replicating'], { stuck: true });
    const peer = node('server2', ['replicating']);
    const messages: string[] = [];
    const restarted = await waitUntilReplicating([stuck, peer], { timeoutMs: 5000, intervalMs: 5, onNudge: (m) => messages.push(m) });
    expect([stuck.kicks, peer.kicks, restarted]).toEqual([1, 0, 1]);
    expect(messages).toEqual([
      expect.stringMatching(
        /^server1: restarted a subscription that was down, or stuck on a connection its restarted provider dropped, while its provider answers/,
      ),
    ]);
  });

  test('runs the watchdog on a replicating node too, which restarts a subscription stuck on a dead connection', async () => {
    const stale = node('server2', ['replicating'], { stale: true });
    const peer = node('server1', ['replicating']);
    const messages: string[] = [];
    const restarted = await waitUntilReplicating([peer, stale], { timeoutMs: 5000, intervalMs: 5, onNudge: (m) => messages.push(m) });
    expect([peer.runs, stale.runs]).toEqual([1, 1]);
    expect([peer.kicks, stale.kicks, restarted]).toEqual([0, 1, 1]);
    expect(messages).toEqual([expect.stringMatching(/^server2: restarted a subscription/)]);
  });

  test('does not restart a subscription whose provider does not answer', async () => {
    const stuck = node('server1', ['replicating'], { stuck: true });
    const gone = node('server2', ['replicating'], { answers: false });
    await expect(waitUntilReplicating([stuck, gone], { timeoutMs: 100, intervalMs: 10 })).rejects.toThrow(
      "server1 and server2's subscriptions to be replicating (last: subscription status: server1: down; server2: no answer)",
    );
    expect(stuck.kicks).toBe(0);
  });

  test('restarts a subscription that stays down at most once per second', async () => {
    const stuck = node('server1', ['down']);
    const peer = node('server2', ['replicating']);
    await expect(waitUntilReplicating([stuck, peer], { timeoutMs: 300, intervalMs: 5 })).rejects.toThrow(/server1: down/);
    expect(stuck.kicks).toBe(1);
  });

  test('times out naming the node and its last status', async () => {
    const never = node('server2', ['initializing']);
    await expect(waitUntilReplicating([never], { timeoutMs: 100, intervalMs: 10 })).rejects.toThrow(
      "timed out after 100 ms waiting for server2's subscriptions to be replicating (last: subscription status: server2: initializing)",
    );
  });
});
