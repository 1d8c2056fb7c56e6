import { SubscriptionNode, waitUntilReplicating } from '../../lib/node-runtime';

/** A node whose subscription reports the given statuses in turn, and becomes replicating once nudged if `stuck`. */
function node(name: string, script: string[], stuck = false): SubscriptionNode & { nudges: number } {
  let i = 0;
  const n = {
    name,
    nudges: 0,
    statuses: async () => [stuck && n.nudges === 0 ? 'down' : script[Math.min(i++, script.length - 1)]],
    nudge: async () => {
      n.nudges++;
    },
  };
  return n;
}

describe('waitUntilReplicating', () => {
  test('returns once every node is replicating, without nudging a subscription that recovers on its own', async () => {
    const a = node('server1', ['down', 'initializing', 'replicating']);
    const b = node('server2', ['replicating']);
    await waitUntilReplicating([a, b], { timeoutMs: 5000, intervalMs: 5, nudgeAfterMs: 10_000 });
    expect([a.nudges, b.nudges]).toEqual([0, 0]);
  });

  test('nudges a subscription that stays down, once per interval, and reports it', async () => {
    const stuck = node('server1', ['replicating'], true);
    const messages: string[] = [];
    const nudged = await waitUntilReplicating([stuck], { timeoutMs: 5000, intervalMs: 5, nudgeAfterMs: 50, onNudge: (m) => messages.push(m) });
    expect(stuck.nudges).toBe(1);
    expect(nudged).toBe(1);
    expect(messages).toEqual([expect.stringMatching(/^server1: subscription down for \d+ s; re-enabled it/)]);
  });

  test('times out naming the node and its last status', async () => {
    const never = node('server2', ['initializing']);
    await expect(waitUntilReplicating([never], { timeoutMs: 100, intervalMs: 10 }))
      .rejects.toThrow("timed out after 100 ms waiting for server2's subscription to be replicating (last: subscription status: initializing)");
  });
});
