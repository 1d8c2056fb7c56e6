import { Construct } from 'constructs';
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { HaproxyConfigProps } from '../haproxy/haproxy-config-props';
import {
  HAPROXY_CONFIG_PATH,
  HAPROXY_CONTAINER_PORT,
  HAPROXY_RUNTIME_DIR,
  HAPROXY_SERVER_STATE_PATH,
  HAPROXY_SOCKET_PATH,
  HAPROXY_STAGED_CONFIG_PATH,
} from '../haproxy/haproxy-container-layout';
import { HaproxyConfig } from '../haproxy/render-haproxy-config';
import { DEFAULT_LOG_DRIVER, DEFAULT_LOG_OPTIONS } from './container-logging';
import { oneShotContainer } from './one-shot-container';
import { configWriterOf } from '../naming/docker-names';
import { enterValidationScope } from '../validation/validation-error';

/** Props of `HaproxyLoadBalancer`. */
export interface HaproxyLoadBalancerProps {
  /** The Docker host HAProxy runs on. */
  readonly provider: DockerProvider;
  /** Container name; the config writer is `<containerName>-config`. */
  readonly containerName: string;
  /**
   * HAProxy image: the shipped one, or one with the same entrypoint (`haproxy-reloader.sh`), `haproxy` and
   * `socat` on the PATH, running as a user that owns /var/lib/haproxy.
   */
  readonly image: string;
  /** What to render; the frontend, runtime API socket and server-state file are set by this construct. */
  readonly config: HaproxyConfigProps;
  /** Host port clients connect to. */
  readonly publishPort: number;
  /**
   * Host address to publish on.
   * @default '0.0.0.0'
   */
  readonly publishAddress?: string;
  /**
   * Docker network to join (single-host, where servers are addressed by container name).
   * @default the default bridge
   */
  readonly networkName?: string;
}

/**
 * HAProxy in a container that a config change never replaces. The rendered config goes to a one-shot config
 * writer container, which checks it with `haproxy -c` and copies it into the runtime volume they share; a
 * config change replaces only the writer. HAProxy runs in master-worker mode under `haproxy-reloader.sh`,
 * which sees the new file within a second and reloads seamlessly. A refused config fails the deploy (the
 * writer's exit code) and never reaches the running HAProxy. The runtime API is a unix socket in the volume.
 */
export class HaproxyLoadBalancer extends Construct {
  /** The HAProxy container. */
  public readonly container: Container;
  /** The one-shot container that validates the rendered config and writes it into the runtime volume. */
  public readonly configWriter: Container;
  /** Volume holding the config, the runtime API socket and the saved server states. */
  public readonly runtimeVolume: Volume;
  /** The rendered haproxy.cfg. */
  public readonly configText: string;
  /** The container's name (a plain string, also its DNS name on its network). */
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: HaproxyLoadBalancerProps) {
    super(scope, id);
    // Its props' errors name it, unless it is part of a construct that validates them as its own.
    const leaveScope = enterValidationScope(`HaproxyLoadBalancer ${this.node.path}`);
    try {
      this.containerName = props.containerName;
      this.configText = HaproxyConfig.render({
        ...props.config,
        frontend: { address: '0.0.0.0', port: HAPROXY_CONTAINER_PORT },
        runtimeApi: { socketPath: HAPROXY_SOCKET_PATH },
        serverStateFile: HAPROXY_SERVER_STATE_PATH,
      });
      this.runtimeVolume = new Volume(this, 'runtime', { provider: props.provider, name: `${props.containerName}-runtime` });
      const runtimeMount = [{ volumeName: this.runtimeVolume.name, containerPath: HAPROXY_RUNTIME_DIR }];
      this.configWriter = new Container(this, 'config-writer', {
        provider: props.provider,
        name: configWriterOf(props.containerName),
        image: props.image,
        // Runs once per config.
        ...oneShotContainer("haproxy -c refused the rendered config (see this container's logs); the running HAProxy keeps its old config"),
        entrypoint: [
          'sh',
          '-c',
          [
            // Without -q, so a refused config's reason is in this container's logs.
            `haproxy -c -f ${HAPROXY_STAGED_CONFIG_PATH}`,
            `cp ${HAPROXY_STAGED_CONFIG_PATH} ${HAPROXY_CONFIG_PATH}.new`,
            `mv -f ${HAPROXY_CONFIG_PATH}.new ${HAPROXY_CONFIG_PATH}`,
          ].join(' && '),
        ],
        upload: [{ file: HAPROXY_STAGED_CONFIG_PATH, content: this.configText }],
        volumes: runtimeMount,
      });
      this.container = new Container(this, 'container', {
        provider: props.provider,
        name: props.containerName,
        image: props.image,
        restart: 'unless-stopped',
        logDriver: DEFAULT_LOG_DRIVER,
        logOpts: DEFAULT_LOG_OPTIONS,
        // The init forwards the stop signal to the reloader, which stops the master.
        init: true,
        volumes: runtimeMount,
        ports: [{ internal: HAPROXY_CONTAINER_PORT, external: props.publishPort, ip: props.publishAddress ?? '0.0.0.0' }],
        networksAdvanced: props.networkName ? [{ name: props.networkName }] : undefined,
        healthcheck: {
          test: ['CMD-SHELL', `echo 'show info' | socat stdio UNIX-CONNECT:${HAPROXY_SOCKET_PATH} | grep -q '^Uptime'`],
          interval: '5s',
          timeout: '3s',
          retries: 3,
        },
        dependsOn: [this.configWriter],
      });
    } finally {
      leaveScope();
    }
  }
}
