import { writeFileSync } from 'node:fs';
import { FAILOVER_STRATEGIES, FailoverStrategy } from '../haproxy/failover-strategy';
import { PacketFilter } from '../runtime/packet-filter';
import { LocalSmokeOptions, runLocalSmoke } from '../smoke/local-smoke';
import { renderHtmlReport } from '../smoke/report-html';
import { renderComparisonTable, renderTimeline, TIMELINE_LEGEND } from '../smoke/report-text';
import { SmokeResult } from '../smoke/smoke-report';
import { HostFault } from '../smoke/topology-driver';
import { EXPERIMENT_FLAGS, experimentOptions, parse, progressPrinter, runCli } from './cli-options';

/** One demo run and the name it is shown under. */
interface DemoRun {
  readonly label: string;
  readonly options: LocalSmokeOptions;
}

/** The HAProxy article's tuning: 5 s connects, 30 s per try, no L7 retries, no detection from traffic, no drain on 404. */
const BLOG_TUNING: LocalSmokeOptions = {
  timeouts: { connectMs: 5000, serverMs: 30_000 },
  failureHandling: { retryReplaySafeRequests: false, errorLimit: 0, drainOn404: false },
};

const USAGE = `usage: npm run demo -- [options]

Runs the article's experiment for every strategy, without and with drain: a probe at 20 req/s from 4 clients
(1 request in 5 a write) through a rolling update of server2 then server1, on real haproxy and postgres.
Then one harsh fault, server1 losing power for 8 s (host-loss), with weighted-stick twice: with the
library's defaults, and with the article's tuning (5 s connects, 30 s per try, no L7 retries, no detection
from live traffic). Prints a comparison table and a timeline per run. Takes about 3.5 minutes; the
host-loss runs need root (iptables) and are left out, with a note, without it.

  --html FILE         also write a self-contained HTML report charting every request
  --inter MS          health-check interval (default 2000; --inter 5000 is the article's timing, slower)
  --rate N            requests per second (default 20)
  --concurrency N     concurrent clients (default 4)
  --restart-db        restart each host's database node too
  --fault F           what the rolling update does to each host (default graceful; see npm run smoke -- --help)
  --downtime MS       how long each host stays down (default 5000)
  --settle MS         steady traffic before and after the update (default 2000)

Exit code: 0 when weighted-stick and primary-first had no failed request and no lost write with the
library's defaults.`;

runCli(USAGE, async () => {
  const values = parse(process.argv.slice(2), { ...EXPERIMENT_FLAGS, html: { type: 'string' } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const base = experimentOptions(values, { rate: 20, concurrency: 4, writes: true, restartDatabase: false });
  const plan: DemoRun[] = FAILOVER_STRATEGIES.flatMap((strategy) =>
    [false, true].map((drain) => ({
      label: `${strategy}${drain ? ' + drain' : ''}`,
      options: { ...base, strategy, drain },
    })),
  );
  let harsh: string | undefined;
  try {
    PacketFilter.assertAvailable();
    const hostLoss = { ...base, strategy: FailoverStrategy.WEIGHTED_STICK, fault: HostFault.HOST_LOSS, hosts: ['server1'], downtimeMs: 8000 };
    plan.push({ label: 'host-loss, defaults', options: hostLoss }, { label: 'host-loss, blog tuning', options: { ...hostLoss, ...BLOG_TUNING } });
  } catch (err) {
    harsh = `The host-loss runs were left out: ${(err as Error).message}`;
  }
  const results: (SmokeResult & { label: string })[] = [];
  for (const [i, run] of plan.entries()) {
    const progress = progressPrinter(`run ${i + 1}/${plan.length} ${run.label}: `);
    const result = await runLocalSmoke({ ...run.options, onProgress: progress, onStep: (step) => progress(`${step.host} ${step.phase}`) });
    progress(
      `${result.report.failures} failed, ${result.report.over1s} over 1 s, slowest ${result.report.maxMs} ms, ${result.report.writesLost} lost writes`,
    );
    results.push({ ...result, label: run.label });
  }

  const updates = results.filter((r) => r.report.fault !== HostFault.HOST_LOSS);
  const losses = results.filter((r) => r.report.fault === HostFault.HOST_LOSS);
  console.log(
    `\nRolling update (server2, then server1) at ${base.rate} req/s, ${base.concurrency} clients, health check every ${base.healthCheck?.intervalMs} ms:\n`,
  );
  console.log(renderComparisonTable(updates.map((r) => r.report)));
  if (losses.length > 0) {
    console.log('\nA harsh fault: server1 loses power for 8 s (weighted-stick). The defaults bound the wait by the per-try timeout;');
    console.log("the article's tuning leaves requests waiting on the dead host for as long as its timeouts allow:\n");
    console.log(renderComparisonTable(losses.map((r) => ({ ...r.report, strategy: r.label }))));
  }
  if (harsh) {
    console.log(`\n${harsh}`);
  }
  console.log('\nTimelines (time runs left to right):');
  for (const { report, records, label } of results) {
    const [line, marks] = renderTimeline(records, report.windows);
    console.log(`  ${label.padEnd(24)}${line}\n  ${''.padEnd(24)}${marks}`);
  }
  console.log(`\n  ${TIMELINE_LEGEND}`);

  if (typeof values.html === 'string') {
    writeFileSync(
      values.html,
      renderHtmlReport(
        'cdktf-failover-api: rolling update and host loss under load',
        results.map(({ report, records, label }) => ({
          title: label,
          primary: 'server1',
          records,
          windows: report.windows,
          figures: {
            requests: report.requests,
            failures: report.failures,
            primaryShare: report.primaryShare,
            p99Ms: report.p99Ms,
            maxMs: report.maxMs,
            over1s: report.over1s,
            writesLost: report.writesLost,
            nodes: report.converged ? 'identical' : `${report.differingRows} rows differ`,
          },
        })),
      ),
    );
    console.log(`\nHTML report: ${values.html}`);
  }
  const safe = results.filter((r) => r.report.strategy !== FailoverStrategy.BACKUP && r.label !== 'host-loss, blog tuning');
  // Whatever the strategy, both database nodes must end up the same.
  const ok = safe.every((r) => r.report.failures === 0 && r.report.writesLost === 0) && results.every((r) => r.report.converged);
  return ok ? 0 : 1;
});
