import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { TEST_FAIL_PATH } from '../api/api-server';
import { findCompiledEntry } from '../runtime/compiled-entry';
import { LocalTopology } from '../runtime/local-topology';
import { Probe, ProbeRecord } from './probe';
import { isSuccess, percentile } from './summary';
import { HostileTarget, oversizedRequests, RequestSpamResult, SlowConnectionsResult, smugglingRequests } from './hostile-traffic';

/** Runs the hostile client (lib/cli/hostile-client.ts) in a process of its own, and returns what it printed. */
async function inOwnProcess<T>(job: Record<string, unknown>): Promise<T> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [findCompiledEntry('cli/hostile-client.js', 'hostile client'), JSON.stringify(job)],
    { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
  );
  return JSON.parse(stdout) as T;
}

/** What a hostile client does, beside the normal probe. */
export enum HostileScenario {
  /** Hammers an endpoint that answers 500 (the reference API's test endpoint). */
  ERROR_SPAM = '500-spam',
  /** Many connections sending their headers one byte at a time. */
  SLOWLORIS = 'slowloris',
  /** Many connections that send nothing, past the frontend's maxconn if it is smaller. */
  FLOOD = 'flood',
  /** Headers and bodies over the limits. */
  OVERSIZED = 'oversized',
  /** Conflicting Content-Length and Transfer-Encoding framings hiding a second request. */
  SMUGGLING = 'smuggling',
}

export const HOSTILE_SCENARIOS: readonly HostileScenario[] = Object.values(HostileScenario);

/** How much hostile traffic each scenario sends. */
export interface HostileSize {
  readonly errorRatePerSecond: number;
  readonly errorDurationMs: number;
  readonly slowConnections: number;
  readonly floodConnections: number;
  /** How long slow and flood connections are held at most, in ms; HAProxy should close them well before. */
  readonly holdMs: number;
}

/** `npm test`'s battery: small and bounded. */
export const HOSTILE_SMALL: HostileSize = {
  errorRatePerSecond: 100,
  errorDurationMs: 3000,
  slowConnections: 200,
  floodConnections: 300,
  holdMs: 8000,
};
/** `npm run bench -- --hostile`: the targets. */
export const HOSTILE_FULL: HostileSize = {
  errorRatePerSecond: 100,
  errorDurationMs: 10_000,
  slowConnections: 2000,
  floodConnections: 2000,
  holdMs: 15_000,
};

/** What the normal probe saw. */
export interface HostileProbeSummary {
  readonly requests: number;
  readonly failures: number;
  /** The failed requests themselves, so a failure can be read, not just counted. */
  readonly failed: ProbeRecord[];
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The p99 of the same probe for 3 s before the hostile client started. */
  readonly baselineP99Ms: number;
}

/** One scenario's outcome: the hostile client's view, the normal probe's, and HAProxy's. */
export interface HostileReport {
  readonly scenario: HostileScenario;
  /** What the hostile client got. */
  readonly hostile: RequestSpamResult | SlowConnectionsResult | { readonly statuses: Record<string, string> };
  readonly probe: HostileProbeSummary;
  /** Every server state other than UP that HAProxy reported while the hostile client ran, e.g. `server1 DOWN`. */
  readonly serverStatesNotUp: string[];
  /** Hostile requests that HAProxy passed to an API (from its log: a line with the marker and a server). */
  readonly reachedApi: number;
  readonly durationMs: number;
}

/** Options of `runHostileScenario`. */
export interface HostileScenarioOptions {
  /** @default HOSTILE_SMALL */
  readonly size?: HostileSize;
  /** @default silent */
  readonly onProgress?: (message: string) => void;
}

function summarize(records: readonly ProbeRecord[], baseline: readonly ProbeRecord[]): HostileProbeSummary {
  const latencies = (rs: readonly ProbeRecord[]) => rs.map((r) => r.latencyMs).sort((a, b) => a - b);
  const all = latencies(records);
  const round = (n: number) => Math.round(n * 10) / 10;
  const failed = records.filter((r) => !isSuccess(r));
  return {
    requests: records.length,
    failures: failed.length,
    failed,
    p99Ms: round(percentile(all, 99)),
    maxMs: round(all[all.length - 1] ?? 0),
    baselineP99Ms: round(percentile(latencies(baseline), 99)),
  };
}

/**
 * Runs one hostile scenario against a running topology (with `testFailEndpoint` for 500-spam) beside the normal
 * probe: 20 req/s from 4 clients, 1 in 5 a write, measured for 3 s before and then while the hostile client runs.
 */
export async function runHostileScenario(
  topology: LocalTopology,
  scenario: HostileScenario,
  options: HostileScenarioOptions = {},
): Promise<HostileReport> {
  const size = options.size ?? HOSTILE_SMALL;
  const progress = options.onProgress ?? (() => undefined);
  const url = new URL(topology.url);
  const target: HostileTarget = { host: url.hostname, port: Number(url.port) };
  const marker = randomUUID();
  const probeOptions = { url: topology.url, intervalMs: 200, concurrency: 4, writeRatio: 0.2 };

  const baselineProbe = new Probe(probeOptions);
  baselineProbe.start();
  await new Promise((r) => setTimeout(r, 3000));
  const baseline = await baselineProbe.stop();

  const states = new Set<string>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const s of await topology.serverStates().catch(() => [])) {
        if (s.status !== 'UP') {
          states.add(`${s.name} ${s.status}`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const probe = new Probe(probeOptions);
  const started = performance.now();
  probe.start();
  let hostile: HostileReport['hostile'];
  try {
    progress(`${scenario}: hostile client running`);
    switch (scenario) {
      case HostileScenario.ERROR_SPAM:
        hostile = await inOwnProcess<RequestSpamResult>({
          kind: 'spam',
          url: `${topology.url}${TEST_FAIL_PATH}?marker=${marker}`,
          ratePerSecond: size.errorRatePerSecond,
          durationMs: size.errorDurationMs,
        });
        break;
      case HostileScenario.SLOWLORIS:
        hostile = await inOwnProcess<SlowConnectionsResult>({
          kind: 'slow',
          ...target,
          connections: size.slowConnections,
          durationMs: size.holdMs,
          trickleMs: 500,
        });
        break;
      case HostileScenario.FLOOD:
        hostile = await inOwnProcess<SlowConnectionsResult>({ kind: 'slow', ...target, connections: size.floodConnections, durationMs: size.holdMs });
        break;
      case HostileScenario.OVERSIZED: {
        const requests = oversizedRequests(marker);
        const statuses = await inOwnProcess<string[]>({ kind: 'raw', ...target, requests: requests.map((r) => r.request) });
        hostile = { statuses: Object.fromEntries(requests.map((r, i) => [r.name, statuses[i]])) };
        break;
      }
      case HostileScenario.SMUGGLING: {
        const requests = smugglingRequests(marker);
        const statuses = await inOwnProcess<string[]>({ kind: 'raw', ...target, requests: requests.map((r) => r.request) });
        hostile = { statuses: Object.fromEntries(requests.map((r, i) => [r.name, statuses[i]])) };
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 1000)); // the probe keeps going a little after the hostile client
  } finally {
    watching = false;
    await watcher;
  }
  const records = await probe.stop();
  // A line of HAProxy's log with the marker and a backend server is a hostile request an API received.
  const reachedApi = readFileSync(topology.haproxyLogFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(marker) && / api_backend\/(?!<NOSRV>)/.test(line)).length;
  const report: HostileReport = {
    scenario,
    hostile,
    probe: summarize(records, baseline),
    serverStatesNotUp: [...states].sort(),
    reachedApi: scenario === HostileScenario.ERROR_SPAM ? 0 : reachedApi,
    durationMs: Math.round(performance.now() - started),
  };
  progress(
    `${scenario}: probe ${report.probe.requests} requests, ${report.probe.failures} failed, p99 ${report.probe.p99Ms} ms (baseline ${report.probe.baselineP99Ms} ms)`,
  );
  return report;
}
