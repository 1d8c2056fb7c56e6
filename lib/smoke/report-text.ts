import { ReplicationHealth } from '../postgres/replication-health-sql';
import { ProbeRecord } from './probe';
import { ProbeSummary, RelativeWindow } from './summary';

/** The columns a comparison table needs from one run. */
export interface ComparableReport extends ProbeSummary {
  readonly strategy: string;
  readonly drain: boolean;
  /** 'rolling-update' or 'reload'. */
  readonly scenario: string;
  /** What each host went through in a rolling update. */
  readonly fault: string;
  readonly writesLost: number;
  readonly updateMs: number;
  /** Whether both database nodes ended up identical. */
  readonly converged: boolean;
  /** Rows that still differed when the check gave up (0 when converged). */
  readonly differingRows: number;
}

/** What each timeline character means. */
export const TIMELINE_LEGEND = "'.' all 2xx   '5' a 5xx   '4' a 4xx   'E' a transport error   ' ' no request   [== update window ==]";

/**
 * The HAProxy article's curl output at a glance: one character per time slice, the worst result in it.
 * A second line marks each host's update window.
 */
export function renderTimeline(records: readonly ProbeRecord[], windows: readonly RelativeWindow[], width = 80): string[] {
  const end = Math.max(1, ...records.map((r) => r.at), ...windows.map((w) => w.endMs));
  const slice = end / width;
  const rank = (r: ProbeRecord) => (r.status === 0 ? 3 : r.status >= 500 ? 2 : r.status >= 400 ? 1 : 0);
  const symbols = ['.', '4', '5', 'E'];
  const worst = new Array<number>(width).fill(-1);
  for (const r of records) {
    const i = Math.min(width - 1, Math.floor(r.at / slice));
    worst[i] = Math.max(worst[i], rank(r));
  }
  const line = worst.map((w) => (w < 0 ? ' ' : symbols[w])).join('');
  const marks = new Array<string>(width).fill(' ');
  for (const w of windows) {
    const from = Math.min(width - 1, Math.floor(w.startMs / slice));
    const to = Math.min(width - 1, Math.max(from, Math.floor(w.endMs / slice) - 1));
    for (let i = from; i <= to; i++) {
      marks[i] = '=';
    }
    marks[from] = '[';
    marks[to] = ']';
    const label = w.host.slice(0, Math.max(0, to - from - 1));
    const at = from + 1 + Math.floor((to - from - 1 - label.length) / 2);
    [...label].forEach((c, k) => {
      marks[at + k] = c;
    });
  }
  return [line, marks.join('')];
}

/** A fixed-width comparison table, one row per run. */
export function renderComparisonTable(reports: readonly ComparableReport[]): string {
  const header = [
    'strategy',
    'what',
    'drain',
    'requests',
    'failures',
    '503s',
    'primary',
    'p50 ms',
    'p99 ms',
    'max ms',
    '>1 s',
    'writes',
    'lost',
    'nodes',
    'update s',
  ];
  const rows = reports.map((r) => [
    r.strategy,
    r.scenario === 'reload' ? 'reload' : r.fault,
    r.drain ? 'yes' : 'no',
    String(r.requests),
    String(r.failures),
    String(r.statusCounts['503'] ?? 0),
    r.primaryShare.toFixed(4),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.maxMs.toFixed(1),
    String(r.over1s),
    String(r.writesAcked),
    String(r.writesLost),
    r.converged ? 'same' : `${r.differingRows} differ`,
    (r.updateMs / 1000).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

/** One node's replication health in a line: the stream from its peer, the peer's slot, WAL kept, lag. */
export function describeReplicationHealth(h: ReplicationHealth): string {
  const mib = (b: number | null) => (b === null ? '-' : `${(b / 1048576).toFixed(1)} MiB`);
  return (
    `from its peer ${h.subscriptionStatus ?? 'no subscription'}; the peer's slot ${h.peerSlotWalStatus ?? 'missing'}` +
    `${h.peerSlotActive ? ' (reading)' : ''}, ${mib(h.retainedWalBytes)} of WAL kept, the peer ${mib(h.peerLagBytes)} behind`
  );
}
