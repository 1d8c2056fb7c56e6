import { runDockerSmoke } from '../smoke/docker-smoke';
import { runLocalSmoke } from '../smoke/local-smoke';
import { describeReplicationHealth, renderTimeline, TIMELINE_LEGEND } from '../smoke/report-text';
import { RollingUpdateStep } from '../smoke/rolling-update';
import { EXPERIMENT_FLAGS, experimentOptions, parse, progressPrinter, runCli, strategyFlag, UsageError } from './cli-options';

const USAGE = `usage: npm run smoke -- [options]

One rolling update (server2, then server1) under the curl-style probe, on real haproxy and postgres.

  --strategy S        weighted-stick (default), primary-first or backup
  --drain             drain each server through the runtime API before stopping it
  --rate N            requests per second across all clients (default 2: the article's one per 500 ms)
  --concurrency N     concurrent clients (default 1)
  --writes            make 1 request in 5 a write (PUT /api/v1/items/{uuid}), checked on both nodes afterwards
  --restart-db        restart each host's database node along with its API
  --fault F           what happens to each host (default graceful):
                        graceful   SIGTERM: the API drains itself, then a new version starts
                        replace    as cdktf deploy replaces a container: SIGTERM, then its address
                                   drops every packet for the downtime, then a new API starts
                        crash      SIGKILL the API and crash its database
                        host-loss  the host's address drops every packet and its processes die;
                                   after the downtime it comes back and they restart
                        db-crash   only the database crashes; the API keeps running
                        rebuild    the host's disk is lost: it comes back empty, copies everything
                                   from its peer, and takes traffic once both directions replicate
                                   (docker: the node's container and volume are removed, and the
                                   deploy creates them anew)
                      replace and host-loss drop packets with iptables and need root
  --crash             short for --fault crash
  --reload            no host goes down: reload HAProxy 5 times, a second apart, with new weights
                      (on the docker target each reload is a cdktf deploy that replaces the config writer)
  --inter MS          health-check interval (default 2000; the article's is 5000)
  --downtime MS       how long each host stays down (default 5000)
  --settle MS         steady traffic before and after the update (default 2000)
  --target T          local (default): real processes on 127.0.0.x
                      docker: deploys the smoke stack with cdktf and updates each host with a
                      cdktf deploy (needs a Docker daemon, terraform or OpenTofu, ~5-10 minutes)
  --keep              docker target: leave the stack deployed (no cdktf destroy)
  --image-registry R  docker target: take the official images (the shipped images' bases, the probe's
                      curl) from registry or mirror path R; \`npm run standin-images\` builds stand-ins
                      under cdktf-failover-api-standin
  --skip-provider-lock  docker target: pass --skip-provider-lock to cdktf (the default when Terraform
                      installs providers from a filesystem mirror)
  --json              print the result as one JSON object on the last line of stdout
  --expect-failures   succeed only if there were failures (to show backup's 503s)

Exit code: 0 when failures = 0, writesLost = 0 and both database nodes ended identical (with
--expect-failures: failures > 0), 1 otherwise, 2 for a bad command line.`;

/** Health check and downtime are fixed by the smoke stack and the deploy on the Docker target. */
function withoutLocalOnly<T extends { healthCheck?: unknown; downtimeMs?: number }>(options: T): Omit<T, 'healthCheck' | 'downtimeMs'> {
  const { healthCheck: _healthCheck, downtimeMs: _downtimeMs, ...rest } = options;
  return rest;
}

runCli(USAGE, async () => {
  const values = parse(process.argv.slice(2), {
    ...EXPERIMENT_FLAGS,
    strategy: { type: 'string' },
    drain: { type: 'boolean' },
    target: { type: 'string' },
    json: { type: 'boolean' },
    'expect-failures': { type: 'boolean' },
    keep: { type: 'boolean' },
    'image-registry': { type: 'string' },
    'skip-provider-lock': { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const target = values.target ?? 'local';
  if (target !== 'local' && target !== 'docker') {
    throw new UsageError(`--target must be local or docker, got ${JSON.stringify(target)}`);
  }
  const progress = progressPrinter();
  const options = {
    ...experimentOptions(values, { rate: 2, concurrency: 1, writes: false, restartDatabase: false }),
    strategy: strategyFlag(values.strategy),
    drain: values.drain === true,
    onProgress: progress,
    onStep: (step: RollingUpdateStep, relativeMs: number) =>
      progress(`${(relativeMs / 1000).toFixed(1)}s into the probe: ${step.host} ${step.phase}`),
  };
  if (target === 'docker' && (values.inter !== undefined || values.downtime !== undefined)) {
    throw new UsageError(
      '--inter and --downtime apply to the local target; the Docker smoke stack checks every 2000 ms and its downtime is the deploy itself',
    );
  }
  for (const flag of ['keep', 'image-registry', 'skip-provider-lock']) {
    if (target === 'local' && values[flag] !== undefined) {
      throw new UsageError(`--${flag} applies to --target docker; the local target runs no containers`);
    }
  }
  const { report, records } =
    target === 'docker'
      ? await runDockerSmoke({
          ...withoutLocalOnly(options),
          keep: values.keep === true,
          imageRegistry: values['image-registry'] as string | undefined,
          skipProviderLock: values['skip-provider-lock'] === true ? true : undefined,
        })
      : await runLocalSmoke(options);

  const [line, marks] = renderTimeline(records, report.windows);
  const what = report.scenario === 'reload' ? 'reloads' : `${report.fault}${report.drain ? ' with drain' : ''}`;
  console.log(
    `strategy ${report.strategy}, ${what}: ${report.requests} requests, ${report.failures} failed, ` +
      `primary share ${report.primaryShare}, p50 ${report.p50Ms} ms, p99 ${report.p99Ms} ms, max ${report.maxMs} ms, ` +
      `${report.writesAcked} writes acknowledged, ${report.writesLost} lost, update took ${(report.updateMs / 1000).toFixed(1)} s`,
  );
  console.log(`  ${line}\n  ${marks}\n  ${TIMELINE_LEGEND}`);
  for (const h of report.replicationHealth) {
    console.log(`  replication on ${h.node}: ${describeReplicationHealth(h)}`);
  }
  if (report.containerProbe) {
    console.log(`  the stack's curl probe container: ${report.containerProbe.requests} requests, ${report.containerProbe.failures} not 200`);
  }
  if (values.json) {
    console.log(JSON.stringify(report));
  }
  const expectFailures = values['expect-failures'] === true;
  const ok = report.writesLost === 0 && report.converged && (expectFailures ? report.failures > 0 : report.failures === 0);
  if (!ok) {
    process.stderr.write(
      expectFailures && report.failures === 0
        ? 'smoke: --expect-failures was given but no request failed\n'
        : `smoke: ${report.failures} failed requests, ${report.writesLost} lost writes, ${report.differingRows} rows differing between the nodes\n`,
    );
  }
  return ok ? 0 : 1;
});
