import { randomBytes } from 'node:crypto';
import { FailoverStrategy } from '../haproxy/failover-strategy';
import { CommandRunner, spawnCommandRunner } from './command-runner';
import { DockerDriver } from './docker-driver';
import { dockerPreflight, terraformProviderMirror } from './docker-preflight';
import { ExperimentOptions, runRollingUpdateExperiment } from './experiment';
import { SmokeResult, summarizeContainerProbe } from './smoke-report';
import { SMOKE_HEALTH_CHECK } from './smoke-stack-contract';

/** Options of one smoke run on a real Docker daemon. */
export interface DockerSmokeOptions extends ExperimentOptions {
  /**
   * Strategy the smoke stack is synthesized with.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
  /**
   * Leave the stack deployed afterwards, also after a failure.
   * @default false: `cdktf destroy` always runs
   */
  readonly keep?: boolean;
  /**
   * Runs docker, terraform and cdktf.
   * @default spawns the real commands
   */
  readonly runner?: CommandRunner;
  /**
   * URL the probe targets.
   * @default HAProxy's published frontend, http://127.0.0.1:8080
   */
  readonly frontendUrl?: string;
  /**
   * A registry or mirror path holding the official images (`npm run standin-images` builds stand-ins).
   * @default Docker Hub
   */
  readonly imageRegistry?: string;
  /**
   * Pass `--skip-provider-lock` to every cdktf deploy and destroy.
   * @default true when Terraform's CLI config has a filesystem_mirror, or ~/.terraform.d/plugins exists
   */
  readonly skipProviderLock?: boolean;
  /**
   * Directory holding cdktf.json.
   * @default the current directory
   */
  readonly projectDir?: string;
}

/**
 * Preflight, `cdktf deploy`, the probe through a rolling update made of one `cdktf deploy` per host, the write
 * check on both nodes, then `cdktf destroy` (also after a failure, unless `keep`).
 */
export async function runDockerSmoke(options: DockerSmokeOptions = {}): Promise<SmokeResult> {
  const runner = options.runner ?? spawnCommandRunner;
  const strategy = options.strategy ?? FailoverStrategy.WEIGHTED_STICK;
  const progress = options.onProgress ?? (() => undefined);
  progress('preflight: docker daemon, terraform, cdktf');
  await dockerPreflight(runner);
  const mirror = terraformProviderMirror();
  const skipProviderLock = options.skipProviderLock ?? mirror !== undefined;
  if (skipProviderLock) {
    progress(`providers from ${mirror ?? 'a local mirror'}: cdktf runs with --skip-provider-lock`);
  }
  const driver = new DockerDriver({
    runner,
    strategy,
    apiPassword: randomBytes(16).toString('hex'),
    replicationPassword: randomBytes(16).toString('hex'),
    frontendUrl: options.frontendUrl,
    projectDir: options.projectDir,
    imageRegistry: options.imageRegistry,
    skipProviderLock,
    onProgress: progress,
  });
  let failed = true;
  try {
    await driver.bringUp();
    // The deploy is the downtime: Terraform stops the old container, then starts the new one.
    const result = await runRollingUpdateExperiment(driver, { ...options, downtimeMs: options.downtimeMs ?? 0 });
    const containerProbe = summarizeContainerProbe(await driver.probeLog());
    failed = false;
    return { records: result.records, report: { strategy, healthCheckIntervalMs: SMOKE_HEALTH_CHECK.intervalMs, ...result.report, containerProbe } };
  } finally {
    if (options.keep) {
      progress('--keep: the stack stays deployed; `npx cdktf destroy failover-api-smoke` removes it');
    } else {
      try {
        await driver.tearDown();
      } catch (err) {
        // A failed destroy must not hide the failure that brought us here.
        if (!failed) {
          throw err;
        }
        progress(`teardown failed too: ${(err as Error).message}`);
      }
    }
  }
}
