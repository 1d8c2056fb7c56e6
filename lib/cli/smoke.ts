import { runLocalSmoke } from '../smoke/local-smoke';
import { renderTimeline, TIMELINE_LEGEND } from '../smoke/report-text';
import { EXPERIMENT_FLAGS, experimentOptions, parse, progressPrinter, runCli, strategyFlag, UsageError } from './cli-options';

const USAGE = `usage: npm run smoke -- [options]

One rolling update (server2, then server1) under the curl-style probe, on real haproxy and postgres.

  --strategy S        weighted-stick (default), primary-first or backup
  --drain             drain each server through the runtime API before stopping it
  --rate N            requests per second across all clients (default 2: the seed's one per 500 ms)
  --concurrency N     concurrent clients (default 1)
  --writes            make 1 request in 5 a write (POST /api/v1/items), checked on both nodes afterwards
  --restart-db        restart each host's database node along with its API
  --crash             SIGKILL the API (and crash the database) instead of a graceful stop
  --inter MS          health-check interval (default 2000; the seed's is 5000)
  --downtime MS       how long each host stays down (default 5000)
  --target T          local (default): processes on 127.0.0.x
  --json              print the result as one JSON object on the last line of stdout
  --expect-failures   succeed only if there were failures (to show backup's 503s)

Exit code: 0 when failures = 0 and writesLost = 0 (with --expect-failures: failures > 0 and
writesLost = 0), 1 otherwise, 2 for a bad command line.`;

runCli(USAGE, async () => {
  const values = parse(process.argv.slice(2), {
    ...EXPERIMENT_FLAGS,
    'strategy': { type: 'string' },
    'drain': { type: 'boolean' },
    'target': { type: 'string' },
    'json': { type: 'boolean' },
    'expect-failures': { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const target = values.target ?? 'local';
  if (target !== 'local') {
    throw new UsageError(`--target must be local, got ${JSON.stringify(target)}`);
  }
  const strategy = strategyFlag(values.strategy);
  const progress = progressPrinter();
  const { report, records } = await runLocalSmoke({
    ...experimentOptions(values, { rate: 2, concurrency: 1, writes: false, restartDatabase: false }),
    strategy,
    drain: values.drain === true,
    onProgress: progress,
    onStep: (step, relativeMs) => progress(`${(relativeMs / 1000).toFixed(1)}s into the probe: ${step.host} ${step.phase}`),
  });

  const [line, marks] = renderTimeline(records, report.windows);
  console.log(`strategy ${report.strategy}${report.drain ? ' with drain' : ''}: ${report.requests} requests, ${report.failures} failed, ` +
    `primary share ${report.primaryShare}, p50 ${report.p50Ms} ms, p99 ${report.p99Ms} ms, max ${report.maxMs} ms, ` +
    `${report.writesAcked} writes acknowledged, ${report.writesLost} lost, update took ${(report.updateMs / 1000).toFixed(1)} s`);
  console.log(`  ${line}\n  ${marks}\n  ${TIMELINE_LEGEND}`);
  if (values.json) {
    console.log(JSON.stringify(report));
  }
  const expectFailures = values['expect-failures'] === true;
  const ok = report.writesLost === 0 && (expectFailures ? report.failures > 0 : report.failures === 0);
  if (!ok) {
    process.stderr.write(expectFailures && report.failures === 0
      ? 'smoke: --expect-failures was given but no request failed\n'
      : `smoke: ${report.failures} failed requests, ${report.writesLost} lost writes\n`);
  }
  return ok ? 0 : 1;
});
