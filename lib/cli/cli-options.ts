import { parseArgs } from 'node:util';
import { FAILOVER_STRATEGIES, FailoverStrategy } from '../haproxy/failover-strategy';
import { ExperimentScenario } from '../smoke/experiment';
import { LocalSmokeOptions } from '../smoke/local-smoke';
import { HOST_FAULTS, HostFault } from '../smoke/topology-driver';
import { SMOKE_HEALTH_CHECK } from '../smoke/smoke-stack-contract';

/** Thrown for a bad command line; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** The flags every experiment command shares. */
export const EXPERIMENT_FLAGS = {
  rate: { type: 'string' },
  concurrency: { type: 'string' },
  writes: { type: 'boolean' },
  'restart-db': { type: 'boolean' },
  crash: { type: 'boolean' },
  fault: { type: 'string' },
  reload: { type: 'boolean' },
  inter: { type: 'string' },
  downtime: { type: 'string' },
  settle: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedValues = Record<string, string | boolean | undefined>;

export function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>): ParsedValues {
  return parseWithPositionals(argv, options, false).values;
}

export function parseWithPositionals(
  argv: string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
  allowPositionals = true,
): { values: ParsedValues; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: parsed.values as ParsedValues, positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function numberFlag(values: ParsedValues, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) {
    return fallback;
  }
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function strategyFlag(value: string | boolean | undefined): FailoverStrategy {
  if (value === undefined) {
    return FailoverStrategy.WEIGHTED_STICK;
  }
  if (typeof value !== 'string' || !(FAILOVER_STRATEGIES as readonly string[]).includes(value)) {
    throw new UsageError(`--strategy must be one of ${FAILOVER_STRATEGIES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as FailoverStrategy;
}

export function faultFlag(values: ParsedValues): HostFault {
  const value = values.fault;
  if (value !== undefined && values.crash === true) {
    throw new UsageError('--crash is short for --fault crash; give one of them');
  }
  if (value === undefined) {
    return values.crash === true ? HostFault.CRASH : HostFault.GRACEFUL;
  }
  if (typeof value !== 'string' || !(HOST_FAULTS as readonly string[]).includes(value)) {
    throw new UsageError(`--fault must be one of ${HOST_FAULTS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as HostFault;
}

/** The experiment options the shared flags set, over the given defaults. */
export function experimentOptions(
  values: ParsedValues,
  defaults: { rate: number; concurrency: number; writes: boolean; restartDatabase: boolean; settleMs?: number },
): LocalSmokeOptions {
  const writes = values.writes === true || defaults.writes;
  return {
    rate: numberFlag(values, 'rate', defaults.rate, 0.1, 5000),
    concurrency: Math.round(numberFlag(values, 'concurrency', defaults.concurrency, 1, 256)),
    writeRatio: writes ? 0.2 : 0,
    restartDatabase: values['restart-db'] === true || defaults.restartDatabase,
    fault: faultFlag(values),
    scenario: values.reload === true ? ExperimentScenario.RELOAD : ExperimentScenario.ROLLING_UPDATE,
    downtimeMs: numberFlag(values, 'downtime', 5000, 0, 600_000),
    settleMs: numberFlag(values, 'settle', defaults.settleMs ?? 2000, 0, 600_000),
    healthCheck: { ...SMOKE_HEALTH_CHECK, intervalMs: Math.round(numberFlag(values, 'inter', SMOKE_HEALTH_CHECK.intervalMs, 50, 60_000)) },
  };
}

/** Progress lines on stderr, stamped with seconds since the command started. */
export function progressPrinter(prefix = ''): (message: string) => void {
  const started = performance.now();
  return (message) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${prefix}${message}\n`);
}

/**
 * Runs a CLI main: usage errors exit 2 with the usage text, other errors exit 1. Ctrl-C or a SIGTERM exits
 * through process.exit, so the runtime's exit handlers kill what it started, drop its iptables rules and
 * remove its temp dirs (a signal's default action would skip them).
 */
export function runCli(usage: string, main: () => Promise<number>): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every process this run started, and removing its packet filters and temp dirs\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`error: ${err.message}\n\n${usage}\n`);
        process.exitCode = 2;
      } else {
        // Operational errors speak for themselves; the stack is for debugging.
        const e = err as Error;
        process.stderr.write(`error: ${process.env.FAILOVER_DEBUG ? e.stack : (e.message ?? String(err))}\n`);
        process.exitCode = 1;
      }
    },
  );
}
