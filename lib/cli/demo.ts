import { writeFileSync } from 'node:fs';
import { FAILOVER_STRATEGIES, FailoverStrategy } from '../haproxy/failover-strategy';
import { runLocalSmoke } from '../smoke/local-smoke';
import { renderHtmlReport } from '../smoke/report-html';
import { renderComparisonTable, renderTimeline, TIMELINE_LEGEND } from '../smoke/report-text';
import { SmokeResult } from '../smoke/smoke-report';
import { EXPERIMENT_FLAGS, experimentOptions, parse, progressPrinter, runCli } from './cli-options';

const USAGE = `usage: npm run demo -- [options]

Runs the seed's experiment for every strategy, without and with drain: a probe at 20 req/s from 4 clients
(1 request in 5 a write) through a rolling update of server2 then server1, on real haproxy and postgres.
Prints a comparison table and a timeline per run. Takes about 2.5 minutes.

  --html FILE         also write a self-contained HTML report charting every request
  --inter MS          health-check interval (default 2000; --inter 5000 is the seed's timing, slower)
  --rate N            requests per second (default 20)
  --concurrency N     concurrent clients (default 4)
  --restart-db        restart each host's database node too
  --crash             SIGKILL instead of graceful stops
  --downtime MS       how long each host stays down (default 5000)
  --settle MS         steady traffic before and after the update (default 2000)

Exit code: 0 when weighted-stick and primary-first had no failed request and no lost write.`;

runCli(USAGE, async () => {
  const values = parse(process.argv.slice(2), { ...EXPERIMENT_FLAGS, html: { type: 'string' } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const base = experimentOptions(values, { rate: 20, concurrency: 4, writes: true, restartDatabase: false });
  const plan = FAILOVER_STRATEGIES.flatMap((strategy) => [false, true].map((drain) => ({ strategy, drain })));
  const results: SmokeResult[] = [];
  for (const [i, run] of plan.entries()) {
    const label = `run ${i + 1}/${plan.length} ${run.strategy}${run.drain ? ' + drain' : ''}: `;
    const progress = progressPrinter(label);
    const result = await runLocalSmoke({
      ...base,
      ...run,
      onProgress: progress,
      onStep: (step) => progress(`${step.host} ${step.phase}`),
    });
    progress(`${result.report.failures} failed, ${result.report.writesLost} lost writes`);
    results.push(result);
  }

  console.log(`\nRolling update (server2, then server1) at ${base.rate} req/s, ${base.concurrency} clients, health check every ${base.healthCheck?.intervalMs} ms:\n`);
  console.log(renderComparisonTable(results.map((r) => r.report)));
  console.log('\nTimelines (time runs left to right):');
  for (const { report, records } of results) {
    const [line, marks] = renderTimeline(records, report.windows);
    const name = `${report.strategy}${report.drain ? ' + drain' : ''}`.padEnd(24);
    console.log(`  ${name}${line}\n  ${''.padEnd(24)}${marks}`);
  }
  console.log(`\n  ${TIMELINE_LEGEND}`);

  if (typeof values.html === 'string') {
    writeFileSync(values.html, renderHtmlReport('cdktf-failover-api: rolling update under load', results.map(({ report, records }) => ({
      title: `${report.strategy}${report.drain ? ' with drain' : ''}`,
      primary: 'server1',
      records,
      windows: report.windows,
      figures: { requests: report.requests, failures: report.failures, primaryShare: report.primaryShare, p99Ms: report.p99Ms, maxMs: report.maxMs, writesLost: report.writesLost },
    }))));
    console.log(`\nHTML report: ${values.html}`);
  }
  const safe = results.filter((r) => r.report.strategy !== FailoverStrategy.BACKUP);
  return safe.every((r) => r.report.failures === 0 && r.report.writesLost === 0) ? 0 : 1;
});
