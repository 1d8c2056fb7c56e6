import { SubscriptionNode, waitUntilReplicating } from '../../lib/node-runtime';

/**
 * A node whose subscription reports the given statuses in turn; if `stuck`, it stays down until kicked. With
 * `answers: false` it does not answer at all (its database is down).
 */
function node(name: string, script: string[], options: { stuck?: boolean; answers?: boolean } = {}): SubscriptionNode & { kicks: number } {
  let i = 0;
  const n = {
    name,
    kicks: 0,
    statuses: async () => {
      if (options.answers === false) {
        throw new Error('connection refused');
      }
      return [options.stuck && n.kicks === 0 ? 'down' : script[Math.min(i++, script.length - 1)]];
    },
    kick: async () => {
      n.kicks++;
      return 1;
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
    expect(messages).toEqual([expect.stringMatching(/^server1: restarted a subscription that was down while its provider answers/)]);
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
