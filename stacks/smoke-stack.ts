import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { DEFAULT_LOG_DRIVER, DEFAULT_LOG_OPTIONS, FailoverApi, FailoverStrategy, HAPROXY_CONTAINER_PORT, HaproxyHealthCheck } from '../lib';
import { SMOKE_FRONTEND_PORT, SMOKE_HEALTH_CHECK, SMOKE_HOSTS, SMOKE_NAME_PREFIX } from '../lib/smoke/smoke-stack-contract';
import { passwordVariables, versionVariable } from './stack-variables';

/** Props of `SmokeStack`. */
export interface SmokeStackProps {
  /**
   * HAProxy strategy under test.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
  /**
   * Health check: faster than the article's 5000 ms so the update finishes sooner.
   * @default every 2000 ms, fall 3, rise 2
   */
  readonly healthCheck?: HaproxyHealthCheck;
  /**
   * A registry or mirror path holding the official images under their Docker Hub names: the shipped images'
   * bases and the probe's curl image (`npm run standin-images` builds stand-ins for all of them).
   * @default Docker Hub
   */
  readonly imageRegistry?: string;
  /**
   * HAProxy weights of server1 and server2 (weighted-stick); a change reloads HAProxy through the config writer.
   * @default 100 and 1
   */
  readonly weights?: number[];
}

/** Pinned so the probe's output format never changes under us. */
export const PROBE_IMAGE = 'curlimages/curl:8.11.1';

/**
 * Everything on the local Docker daemon, with one version variable per host, plus a probe container running the
 * article's curl loop against HAProxy. A rolling update is one `cdktf deploy` per changed version variable.
 */
export class SmokeStack extends TerraformStack {
  public readonly api: FailoverApi;
  /** The container running the article's curl loop; `docker logs` shows one line per request. */
  public readonly probe: Container;

  constructor(scope: Construct, id: string, props: SmokeStackProps = {}) {
    super(scope, id);
    const provider = new DockerProvider(this, 'docker', {});
    this.api = new FailoverApi(this, 'failover-api', {
      ...passwordVariables(this),
      provider,
      strategy: props.strategy,
      healthCheck: { ...SMOKE_HEALTH_CHECK, ...props.healthCheck },
      namePrefix: SMOKE_NAME_PREFIX,
      frontendPort: SMOKE_FRONTEND_PORT,
      hosts: SMOKE_HOSTS.map((name, i) => ({ name, version: versionVariable(this, name), weight: props.weights?.[i] })),
      baseImages: props.imageRegistry === undefined ? undefined : { registry: props.imageRegistry },
      // The smoke ends with `cdktf destroy`, volumes included.
      protectDataVolumes: false,
    });
    const probeImageName = props.imageRegistry === undefined ? PROBE_IMAGE : `${props.imageRegistry}/${PROBE_IMAGE}`;
    const probeImage = new Image(this, 'probe-image', { provider, name: probeImageName, keepLocally: true });
    const target = `http://${this.api.loadBalancer.containerName}:${HAPROXY_CONTAINER_PORT}/api/v1/system/health`;
    this.probe = new Container(this, 'probe', {
      provider,
      name: `${this.api.namePrefix}-probe`,
      image: probeImage.imageId,
      restart: 'unless-stopped',
      logDriver: DEFAULT_LOG_DRIVER,
      logOpts: DEFAULT_LOG_OPTIONS,
      networksAdvanced: [{ name: this.api.networks[0].name }],
      // The HAProxy article's loop, with a timestamp and the status code on each line ('%%{' is Terraform's escape of '%{').
      // It logs from the first 200 on: the first deploy's own 503s, before HAProxy has seen a server UP, are
      // not failures of the rolling update.
      entrypoint: ['sh', '-c'],
      command: [
        `until curl -sf -o /dev/null -m 2 ${target}; do sleep 0.5; done; ` +
          `while true; do printf '%s ' "$(date +%T)"; curl -s -o /dev/null -m 10 -w '%%{http_code}\\n' ${target}; sleep 0.5; done`,
      ],
      dependsOn: [this.api.loadBalancer.container, ...this.api.hosts.map((h) => h.apiContainer)],
    });
  }
}
