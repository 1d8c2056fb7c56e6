import { FAILOVER_STRATEGIES } from '../haproxy/failover-strategy';
import { runLocalSmoke } from '../smoke/local-smoke';
import { EXPERIMENT_FLAGS, experimentOptions, parse, progressPrinter, runCli } from './cli-options';

const USAGE = `usage: npm run bench -- [options]

For each strategy, without and with drain, and once more as a crash (SIGKILL, no drain): a rolling update
that also restarts each host's database node, under 200 req/s from 16 clients with 1 request in 5 a write,
with 18 s of steady traffic before and after the update, so each run makes over 10,000 requests.
Prints one JSON object per run on stdout (progress goes to stderr). Takes 9 to 12 minutes.

  --rate N            requests per second (default 200)
  --concurrency N     concurrent clients (default 16)
  --inter MS          health-check interval (default 2000)
  --downtime MS       how long each host stays down (default 5000)
  --settle MS         steady traffic before and after the update (default 18000)`;

runCli(USAGE, async () => {
  const values = parse(process.argv.slice(2), EXPERIMENT_FLAGS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const base = experimentOptions(values, { rate: 200, concurrency: 16, writes: true, restartDatabase: true, settleMs: 18_000 });
  const plan = FAILOVER_STRATEGIES.flatMap((strategy) => [
    { strategy, drain: false, crash: false },
    { strategy, drain: true, crash: false },
    { strategy, drain: false, crash: true },
  ]);
  for (const [i, run] of plan.entries()) {
    const progress = progressPrinter(`run ${i + 1}/${plan.length} ${run.strategy}${run.drain ? ' + drain' : ''}${run.crash ? ' (crash)' : ''}: `);
    const { report } = await runLocalSmoke({ ...base, ...run, onProgress: progress, onStep: (s) => progress(`${s.host} ${s.phase}`) });
    console.log(JSON.stringify(report));
  }
  return 0;
});
