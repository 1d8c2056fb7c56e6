import { Construct } from 'constructs';
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { HaproxyConfigProps } from '../haproxy/haproxy-config-props';
import { HAPROXY_CONFIG_PATH, HAPROXY_CONTAINER_PORT, HAPROXY_SOCKET_DIR, HAPROXY_SOCKET_PATH } from '../haproxy/haproxy-container-layout';
import { renderHaproxyConfig } from '../haproxy/render-haproxy-config';

/** Props of `HaproxyLoadBalancer`. */
export interface HaproxyLoadBalancerProps {
  /** The Docker host HAProxy runs on. */
  readonly provider: DockerProvider;
  /** Container name. */
  readonly containerName: string;
  /** HAProxy image; the runtime API healthcheck needs `socat` in it (the shipped image has it). */
  readonly image: string;
  /** What to render; the frontend and runtime API socket are set by this construct. */
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
 * HAProxy in a container, with the config `renderHaproxyConfig` gives uploaded into it, the frontend published
 * on the host, and the admin runtime API on a unix socket inside a volume.
 */
export class HaproxyLoadBalancer extends Construct {
  /** The HAProxy container. */
  public readonly container: Container;
  /** Volume holding the runtime API socket; mount it (or `docker exec`) to drain servers. */
  public readonly runtimeVolume: Volume;
  /** The rendered haproxy.cfg. */
  public readonly configText: string;
  /** The container's name (a plain string, also its DNS name on its network). */
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: HaproxyLoadBalancerProps) {
    super(scope, id);
    this.containerName = props.containerName;
    this.configText = renderHaproxyConfig({
      ...props.config,
      frontend: { address: '0.0.0.0', port: HAPROXY_CONTAINER_PORT },
      runtimeApi: { socketPath: HAPROXY_SOCKET_PATH },
    });
    this.runtimeVolume = new Volume(this, 'runtime', { provider: props.provider, name: `${props.containerName}-runtime` });
    this.container = new Container(this, 'container', {
      provider: props.provider,
      name: props.containerName,
      image: props.image,
      restart: 'unless-stopped',
      upload: [{ file: HAPROXY_CONFIG_PATH, content: this.configText }],
      volumes: [{ volumeName: this.runtimeVolume.name, containerPath: HAPROXY_SOCKET_DIR }],
      ports: [{ internal: HAPROXY_CONTAINER_PORT, external: props.publishPort, ip: props.publishAddress ?? '0.0.0.0' }],
      networksAdvanced: props.networkName ? [{ name: props.networkName }] : undefined,
      healthcheck: {
        test: ['CMD-SHELL', `echo 'show info' | socat stdio UNIX-CONNECT:${HAPROXY_SOCKET_PATH} | grep -q '^Uptime'`],
        interval: '5s',
        timeout: '3s',
        retries: 3,
      },
    });
  }
}
