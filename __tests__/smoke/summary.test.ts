import {
  HostFault,
  ProbeRecord,
  ProbeRequestKind,
  renderComparisonTable,
  renderHtmlReport,
  renderTimeline,
  RollingUpdate,
  summarizeProbe,
} from '../../lib/node-runtime';
import { ServerAdminState } from '../../lib/node-runtime';
import { TopologyDriver } from '../../lib/node-runtime';

const rec = (at: number, status: number, server?: string, latencyMs = 2, writeId?: string): ProbeRecord => ({
  at,
  kind: writeId ? ProbeRequestKind.WRITE : ProbeRequestKind.READ,
  status,
  server,
  latencyMs,
  writeId,
});

describe('probe summary and reports', () => {
  const records = [
    rec(0, 200, 'server1', 1),
    rec(100, 200, 'server1', 2),
    rec(200, 200, 'server2', 3),
    rec(1000, 503, undefined, 3000),
    { ...rec(1100, 0, undefined, 5), error: 'ECONNRESET' },
    rec(1200, 201, 'server2', 4, 'id-1'),
    rec(3000, 200, 'server1', 2),
  ];
  const windows = [{ host: 'server1', startMs: 900, endMs: 2000 }];

  test('counts failures, the primary share outside windows, and percentiles', () => {
    const s = summarizeProbe(records, windows, 'server1');
    expect(s.requests).toBe(7);
    expect(s.failures).toBe(2);
    expect(s.statusCounts).toEqual({ 200: 4, 503: 1, 'error:ECONNRESET': 1, 201: 1 });
    expect(s.primaryShare).toBe(0.75); // 3 of the 4 successes outside the window
    expect(s.p50Ms).toBe(3);
    expect(s.maxMs).toBe(3000);
    expect(s.maxMsInWindows).toBe(3000);
    expect(s.over1s).toBe(1);
    expect(s.writesAcked).toBe(1);
  });

  test('the timeline shows a 5 and an E where they happened, and the window under them', () => {
    const [line, marks] = renderTimeline(records, windows, 30);
    expect(line).toHaveLength(30);
    expect(line[0]).toBe('.');
    expect(line[10]).toBe('5');
    expect(line[11]).toBe('E');
    expect(marks.trim().startsWith('[')).toBe(true);
    expect(marks).toContain('server1');
  });

  test('the comparison table has a row per run, and says whether the nodes ended up the same', () => {
    const run = {
      strategy: 'backup',
      drain: false,
      scenario: 'rolling-update',
      fault: 'graceful',
      ...summarizeProbe(records, windows, 'server1'),
      writesLost: 0,
      updateMs: 12_000,
    };
    const table = renderComparisonTable([
      { ...run, converged: true, differingRows: 0 },
      { ...run, converged: false, differingRows: 3 },
    ]);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toMatch(/backup\s+graceful\s+no\s+7\s+2\s+1\s+0\.7500/);
    expect(table.split('\n').map((l) => /\b(same|\d+ differ)\s+12\.0$/.exec(l)?.[1])).toEqual([undefined, undefined, 'same', '3 differ']);
  });

  test('the HTML report is self-contained and escapes text', () => {
    const html = renderHtmlReport('a <b> report', [{ title: 'x', primary: 'server1', records, windows, figures: { failures: 2 } }]);
    expect(html).toContain('a &lt;b&gt; report');
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(html.match(/<circle/g)).toHaveLength(records.length);
    expect(html).toContain('server1 update');
  });
});

describe('RollingUpdate', () => {
  function fakeDriver(log: string[]): TopologyDriver {
    const state: Record<string, { status: string; currentSessions: number }> = {
      server1: { status: 'UP', currentSessions: 2 },
      server2: { status: 'UP', currentSessions: 0 },
    };
    return {
      name: 'fake',
      hosts: ['server1', 'server2'],
      url: 'http://fake',
      stopHost: async (h, o) => {
        log.push(`stop ${h}${o.fault === 'graceful' ? '' : ` (${o.fault})`}`);
        state[h].status = 'DOWN';
      },
      startHost: async (h, v) => {
        log.push(`start ${h} ${v}`);
        state[h].status = state[h].status === 'DOWN' && log.includes(`drain ${h}`) ? 'DRAIN' : 'UP';
      },
      serverState: async (h) => {
        const s = state[h];
        s.currentSessions = Math.max(0, s.currentSessions - 1);
        return { name: h, weight: 1, ...s };
      },
      setServerState: async (h, st) => {
        log.push(`${st} ${h}`);
        if (st === ServerAdminState.READY) state[h].status = 'UP';
      },
      waitForReplication: async () => 0,
      countRows: async (_h, ids) => ids.length,
      reloadLoadBalancer: async (w) => {
        log.push(`reload ${w.join('/')}`);
      },
      waitForConvergence: async () => ({ identical: true, tables: [], differingRows: 0, elapsedMs: 0, nudges: 0 }),
      replicationHealth: async (h) => ({
        node: h,
        subscriptionStatus: 'replicating',
        peerSlotActive: true,
        peerSlotWalStatus: 'reserved',
        retainedWalBytes: 0,
        peerLagBytes: 0,
        peerLagSeconds: null,
      }),
    };
  }

  test('goes through the secondary first, then the primary', async () => {
    const log: string[] = [];
    const windows = await new RollingUpdate(fakeDriver(log), { version: 'v2', downtimeMs: 0 }).run();
    expect(log).toEqual(['stop server2', 'start server2 v2', 'stop server1', 'start server1 v2']);
    expect(windows.map((w) => w.host)).toEqual(['server2', 'server1']);
  });

  test('a fault goes through the driver like a stop, to the hosts asked for', async () => {
    const log: string[] = [];
    const windows = await new RollingUpdate(fakeDriver(log), { version: 'v2', downtimeMs: 0, fault: HostFault.HOST_LOSS, hosts: ['server1'] }).run();
    expect(log).toEqual(['stop server1 (host-loss)', 'start server1 v2']);
    expect(windows.map((w) => w.host)).toEqual(['server1']);
  });

  test('with drain: drain, wait for sessions to reach 0, stop, start, ready', async () => {
    const log: string[] = [];
    await new RollingUpdate(fakeDriver(log), { version: 'v3', downtimeMs: 0, drain: true }).run();
    expect(log).toEqual([
      'drain server2',
      'stop server2',
      'start server2 v3',
      'ready server2',
      'drain server1',
      'stop server1',
      'start server1 v3',
      'ready server1',
    ]);
  });
});
