import { FailoverStrategy } from '../haproxy/failover-strategy';
import { ExperimentReport } from './experiment';
import { ProbeRecord } from './probe';

/** What the smoke stack's own probe container (the article's curl loop) saw. */
export interface ContainerProbeSummary {
  /** Lines it logged, one per request. */
  readonly requests: number;
  /** Lines whose status was not 200. */
  readonly failures: number;
}

/** The JSON `npm run smoke -- --json` prints, for either target. */
export interface SmokeReport extends ExperimentReport {
  readonly strategy: FailoverStrategy;
  readonly healthCheckIntervalMs: number;
  /** Local target only: rows in the table before the run (`preloadRows`), which a rebuild copies. */
  readonly preloadedRows?: number;
  /** Docker target only: the probe container's view. */
  readonly containerProbe?: ContainerProbeSummary;
}

/** The report plus every probe request, for the timeline and the HTML chart. */
export interface SmokeResult {
  readonly report: SmokeReport;
  readonly records: ProbeRecord[];
}

/** Reads the probe container's `HH:MM:SS <status>` lines. */
export function summarizeContainerProbe(lines: readonly string[]): ContainerProbeSummary {
  const statuses = lines.map((l) => l.trim().split(/\s+/).pop() ?? '').filter((s) => /^\d{3}$/.test(s));
  return { requests: statuses.length, failures: statuses.filter((s) => s !== '200').length };
}
