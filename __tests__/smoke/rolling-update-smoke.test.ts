import { FailoverStrategy } from '../../lib';
import { runLocalSmoke } from '../../lib/node-runtime';
import { scaled } from '../support/time-scale';

// The HAProxy article's experiment at test scale: 20 req/s from 4 clients, 1 request in 5 a write, through a full rolling
// update (server2 then server1) on real haproxy and postgres. Health checks every 2 s with fall 3: detection
// outlasts HAProxy's ~3 s of retries, which is exactly when `backup` returns 503s.
// Each host down 2 s: enough for a rolling update; backup keeps the 5 s default, which outlasts its retries.
const LOAD = { rate: 20, concurrency: 4, writeRatio: 0.2, downtimeMs: 2000 };

jest.setTimeout(scaled(90_000));

describe('rolling update under the probe (real haproxy, postgres, pglogical)', () => {
  test.each([FailoverStrategy.WEIGHTED_STICK, FailoverStrategy.PRIMARY_FIRST])('%s: no failed request and no lost write', async (strategy) => {
    const { report } = await runLocalSmoke({ ...LOAD, strategy });
    expect(report.requests).toBeGreaterThan(200);
    expect(report.writesAcked).toBeGreaterThan(30);
    expect({ failures: report.failures, writesLost: report.writesLost, converged: report.converged, statusCounts: report.statusCounts }).toEqual({
      failures: 0,
      writesLost: 0,
      converged: true,
      statusCounts: expect.not.objectContaining({ 503: expect.anything() }),
    });
    expect(report.windows.map((w) => w.host)).toEqual(['server2', 'server1']);
    expect(report.primaryShare).toBeGreaterThanOrEqual(0.95);
    // The report ends with each node's replication health.
    expect(report.replicationHealth.map((h) => [h.node, h.subscriptionStatus, h.peerSlotWalStatus])).toEqual([
      ['server1', 'replicating', 'reserved'],
      ['server2', 'replicating', 'reserved'],
    ]);
  });

  test("backup: the same update gives clients the article's 503s (the harness can fail)", async () => {
    const { report, records } = await runLocalSmoke({ ...LOAD, downtimeMs: 5000, strategy: FailoverStrategy.BACKUP });
    expect(report.failures).toBeGreaterThanOrEqual(1);
    expect(report.statusCounts['503']).toBeGreaterThanOrEqual(1);
    // The 503s happen while the primary is down and not yet marked DOWN: inside server1's window.
    const server1 = report.windows.find((w) => w.host === 'server1');
    const failed = records.filter((r) => r.status === 503);
    expect(server1).toBeDefined();
    const outside = failed.filter((r) => r.at < (server1?.startMs ?? 0) || r.at > (server1?.endMs ?? 0));
    expect(outside.map((r) => `503 at ${r.at.toFixed(0)} ms, outside server1's window ${server1?.startMs}-${server1?.endMs} ms`)).toEqual([]);
    expect(report.writesLost).toBe(0);
  });

  test('weighted-stick with drain: no failures and no retries, so no slow requests', async () => {
    const { report } = await runLocalSmoke({ ...LOAD, strategy: FailoverStrategy.WEIGHTED_STICK, drain: true });
    expect(report.failures).toBe(0);
    expect(report.writesLost).toBe(0);
    expect(report.maxMsInWindows).toBeLessThan(scaled(250));
  });
});
