import { ProbeRecord } from './probe';

/** An update window relative to the probe's start, in milliseconds. */
export interface RelativeWindow {
  readonly host: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** Figures over one probe run. */
export interface ProbeSummary {
  readonly requests: number;
  /** Non-2xx responses plus transport errors. */
  readonly failures: number;
  /** Count per HTTP status; transport errors under `error:<code>` (e.g. `error:ECONNRESET`). */
  readonly statusCounts: Record<string, number>;
  /** Fraction of successful responses outside the update windows that came from the primary. */
  readonly primaryShare: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Slowest request sent during an update window. */
  readonly maxMsInWindows: number;
  /** Requests that took over a second: a client would call them stalls. */
  readonly over1s: number;
  readonly writesAcked: number;
}

export function isSuccess(record: ProbeRecord): boolean {
  return record.status >= 200 && record.status <= 299;
}

export function inWindows(at: number, windows: readonly RelativeWindow[]): boolean {
  return windows.some((w) => at >= w.startMs && at <= w.endMs);
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (n: number) => Math.round(n * 10) / 10;

export function summarizeProbe(records: readonly ProbeRecord[], windows: readonly RelativeWindow[], primary: string): ProbeSummary {
  const latencies = records.map((r) => r.latencyMs).sort((a, b) => a - b);
  const statusCounts: Record<string, number> = {};
  for (const r of records) {
    const key = r.status === 0 ? `error:${r.error ?? 'unknown'}` : String(r.status);
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
  }
  const steady = records.filter((r) => isSuccess(r) && !inWindows(r.at, windows));
  const inside = records.filter((r) => inWindows(r.at, windows)).map((r) => r.latencyMs);
  return {
    requests: records.length,
    failures: records.filter((r) => !isSuccess(r)).length,
    statusCounts,
    primaryShare: steady.length === 0 ? 0 : Math.round((steady.filter((r) => r.server === primary).length / steady.length) * 10_000) / 10_000,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
    maxMsInWindows: round(inside.length === 0 ? 0 : Math.max(...inside)),
    over1s: records.filter((r) => r.latencyMs > 1000).length,
    writesAcked: records.filter((r) => r.writeId !== undefined).length,
  };
}
