import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { FailoverStrategy } from '../haproxy/failover-strategy';
import { HaproxyServer } from '../haproxy/haproxy-config-props';
import { SelfDrain } from '../haproxy/self-drain';
import { healthCheckDetectionSeconds } from '../haproxy/resolve-haproxy-props';
import { BdrNodeConfig } from '../postgres/bdr-node-config';
import { enterValidationScope } from '../validation/validation-error';
import { ApiHost } from './api-host';
import { resolveBaseImage, ShippedBaseImages, ShippedImage } from './docker-build-contexts';
import { FailoverApiProps } from './failover-api-props';
import { HaproxyLoadBalancer } from './haproxy-load-balancer';
import { ResolvedFailoverApiProps, resolveFailoverApiProps } from './resolve-failover-api-props';
import { ShippedDockerImage } from './shipped-docker-image';
import { dockerNames } from '../naming/docker-names';

/** Images on one Docker provider: the caller's, or built from the shipped Dockerfiles on first use. */
class ImagesOnProvider {
  private readonly built = new Map<ShippedImage, string>();

  constructor(
    private readonly scope: Construct,
    private readonly idPrefix: string,
    private readonly provider: DockerProvider,
    private readonly bases: ShippedBaseImages,
  ) {}

  get(image: ShippedImage, override: string | undefined): string {
    if (override !== undefined) {
      return override;
    }
    let id = this.built.get(image);
    if (id === undefined) {
      id = new ShippedDockerImage(this.scope, `${this.idPrefix}${image}-image`, {
        provider: this.provider,
        image,
        baseImage: resolveBaseImage(image, this.bases),
      }).imageId;
      this.built.set(image, id);
    }
    return id;
  }
}

/** The first host address of an IPv4 subnet (Docker's usual gateway), e.g. 172.28.0.1 for 172.28.0.0/24. */
function firstHostAddress(cidr: string): string | undefined {
  const [ip, bits] = cidr.split('/');
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || bits === undefined) {
    return undefined; // IPv6: the daemon's choice
  }
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  const network = (((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0) & mask;
  const first = (network + 1) >>> 0;
  return [first >>> 24, (first >>> 16) & 255, (first >>> 8) & 255, first & 255].join('.');
}

/** How one host's database is reached by its peer, and where its ports are published. */
interface HostAddressing {
  readonly selfHost: string;
  readonly peerHost: string;
  readonly peerAddresses: string[];
  readonly publishAddress?: string;
}

/**
 * The whole system: two `ApiHost`s (an API plus its own pglogical node each, replicating both ways) behind a
 * `HaproxyLoadBalancer` whose config applies the chosen strategy (by default the article's weighted stick-table).
 *
 * Single-host (default): every container on one provider and one network, servers addressed by container name
 * and followed through Docker's DNS when replaced. Multi-host: one provider per machine over SSH, servers
 * addressed by machine address and published port, each Postgres port admitting only its peer.
 */
export class FailoverApi extends Construct {
  /** The two API hosts, the primary first. */
  public readonly hosts: ApiHost[];
  /** HAProxy. */
  public readonly loadBalancer: HaproxyLoadBalancer;
  /** The Docker providers used, one (single-host) or one per machine (multi-host). */
  public readonly providers: DockerProvider[];
  /** The Docker networks created, one per Docker host. */
  public readonly networks: Network[];
  /** The strategy HAProxy applies. */
  public readonly strategy: FailoverStrategy;
  /** URL clients use. */
  public readonly endpointUrl: string;
  /** Terraform output with `endpointUrl`. */
  public readonly endpointOutput: TerraformOutput;
  /** Terraform output with the HAProxy container's name (for `docker exec` into the runtime API). */
  public readonly haproxyContainerOutput: TerraformOutput;
  /** Prefix of every container, volume and network name. */
  public readonly namePrefix: string;
  /** The single-host network's subnet, for the check that two FailoverApis in a stack do not share one. */
  private readonly singleHostSubnet?: string;

  constructor(scope: Construct, id: string, props: FailoverApiProps) {
    super(scope, id);
    // Every prop error, also one a child construct finds (a health check, the limits), names this construct.
    const leaveScope = enterValidationScope(`FailoverApi ${this.node.path}`);
    try {
      const p = resolveFailoverApiProps(props);
      this.strategy = p.strategy;
      this.namePrefix = p.namePrefix;
      const hc = { ...props.healthCheck };
      const [a, b] = p.hosts;
      const peerOf = (name: string) => (name === a.name ? b : a);
      const names = dockerNames(p.namePrefix);
      const dbName = names.database;

      if (!p.multiHost) {
        this.singleHostSubnet = p.networkSubnet;
        const provider = props.provider ?? defaultDockerProvider(this);
        const network = this.network('network', provider, p);
        const images = new ImagesOnProvider(this, '', provider, p.baseImages);
        this.providers = [provider];
        this.networks = [network];
        // Peers and APIs reach each other on the network by container name, from its subnet.
        this.hosts = p.hosts.map((h) =>
          this.apiHost(p, props, h.name, provider, network, images, {
            selfHost: dbName(h.name),
            peerHost: dbName(peerOf(h.name).name),
            peerAddresses: [p.networkSubnet],
          }),
        );
        this.loadBalancer = new HaproxyLoadBalancer(this, 'haproxy', {
          provider,
          containerName: dockerNames(p.namePrefix).haproxy,
          image: images.get(ShippedImage.HAPROXY, props.haproxyImage),
          networkName: network.name,
          publishPort: p.frontendPort,
          config: {
            strategy: p.strategy,
            servers: this.servers(p, names.api),
            healthCheck: hc,
            limits: props.limits,
            timeouts: props.timeouts,
            retries: props.retries,
            failureHandling: props.failureHandling,
            // Replaced containers get new IPs: re-resolve names through Docker's embedded DNS.
            dnsResolver: {},
          },
        });
        this.endpointUrl = `http://localhost:${p.frontendPort}`;
      } else {
        const machineOf = (name: string) => p.hosts.find((h) => h.name === name)?.machine as NonNullable<typeof a.machine>;
        this.providers = [];
        this.networks = [];
        this.hosts = p.hosts.map((h) => {
          const m = machineOf(h.name);
          const peer = machineOf(peerOf(h.name).name);
          const provider = new DockerProvider(this, `docker-${h.name}`, {
            alias: `${p.namePrefix}-${h.name}`,
            host: m.dockerHost,
            sshOpts: m.sshOpts,
          });
          const network = this.network(`network-${h.name}`, provider, p);
          this.providers.push(provider);
          this.networks.push(network);
          // The peer connects from its machine's address to the published port; the API from this machine's network.
          return this.apiHost(p, props, h.name, provider, network, new ImagesOnProvider(this, `${h.name}-`, provider, p.baseImages), {
            selfHost: m.address,
            peerHost: peer.address,
            peerAddresses: [peer.address],
            publishAddress: m.address,
          });
        });
        const lb = props.loadBalancer as NonNullable<FailoverApiProps['loadBalancer']>;
        const provider = new DockerProvider(this, 'docker-haproxy', { alias: `${p.namePrefix}-haproxy`, host: lb.dockerHost, sshOpts: lb.sshOpts });
        this.providers.push(provider);
        this.loadBalancer = new HaproxyLoadBalancer(this, 'haproxy', {
          provider,
          containerName: dockerNames(p.namePrefix).haproxy,
          image: new ImagesOnProvider(this, 'haproxy-', provider, p.baseImages).get(ShippedImage.HAPROXY, props.haproxyImage),
          publishPort: p.frontendPort,
          config: {
            strategy: p.strategy,
            servers: this.servers(p, (h) => machineOf(h).address),
            healthCheck: hc,
            limits: props.limits,
            timeouts: props.timeouts,
            retries: props.retries,
            failureHandling: props.failureHandling,
          },
        });
        this.endpointUrl = `http://${lb.address}:${p.frontendPort}`;
      }

      this.endpointOutput = new TerraformOutput(this, 'endpoint_url', { value: this.endpointUrl, description: 'URL clients use (HAProxy frontend)' });
      this.haproxyContainerOutput = new TerraformOutput(this, 'haproxy_container', {
        value: this.loadBalancer.container.name,
        description: 'HAProxy container, for docker exec into the runtime API',
      });
      // Readable, stable names (`failover_api_endpoint_url`) instead of hashed ones; the prefix is unique per stack.
      const outputPrefix = p.namePrefix.replace(/-/g, '_');
      this.endpointOutput.overrideLogicalId(`${outputPrefix}_endpoint_url`);
      this.haproxyContainerOutput.overrideLogicalId(`${outputPrefix}_haproxy_container`);
    } finally {
      leaveScope();
    }
    this.node.addValidation({ validate: () => this.uniqueInStack() });
  }

  private network(id: string, provider: DockerProvider, p: ResolvedFailoverApiProps): Network {
    // An explicit gateway: one the daemon picks is read back into the set and replaces the network (provider #54).
    return new Network(this, id, {
      provider,
      name: dockerNames(p.namePrefix).network,
      ipamConfig: [{ subnet: p.networkSubnet, gateway: firstHostAddress(p.networkSubnet) }],
    });
  }

  private apiHost(
    p: ResolvedFailoverApiProps,
    props: FailoverApiProps,
    name: string,
    provider: DockerProvider,
    network: Network,
    images: ImagesOnProvider,
    addressing: HostAddressing,
  ): ApiHost {
    const host = p.hosts.find((h) => h.name === name) as ResolvedFailoverApiProps['hosts'][number];
    const peer = p.hosts.find((h) => h.name !== name) as ResolvedFailoverApiProps['hosts'][number];
    const database: BdrNodeConfig = {
      local: { name, host: addressing.selfHost, port: p.postgresPort },
      peer: { name: peer.name, host: addressing.peerHost, port: p.postgresPort },
      peerAddresses: addressing.peerAddresses,
      apiAddresses: [p.networkSubnet],
      listenAddresses: '*',
      listenPort: p.postgresPort,
      schema: props.schema,
      maxSlotWalKeepSizeMb: props.maxSlotWalKeepSizeMb,
      divergenceCheckIntervalSeconds: props.divergenceCheckIntervalSeconds,
      resyncDrainSeconds: healthCheckDetectionSeconds(props.healthCheck),
    };
    return new ApiHost(this, name, {
      provider,
      serverName: name,
      version: host.version,
      apiImage: host.image ?? images.get(ShippedImage.API, props.apiImage),
      container: p.apiContainer,
      postgresImage: images.get(ShippedImage.POSTGRES, props.postgresImage),
      namePrefix: p.namePrefix,
      networkName: network.name,
      database,
      apiPassword: props.apiPassword,
      replicationPassword: props.replicationPassword,
      apiPort: p.apiPort,
      publishAddress: addressing.publishAddress,
      healthPath: props.healthCheck?.path,
      protectDataVolume: props.protectDataVolumes,
      drain: SelfDrain.timings({ strategy: p.strategy, healthCheck: props.healthCheck, failureHandling: props.failureHandling }),
    });
  }

  private servers(p: ResolvedFailoverApiProps, address: (host: string) => string): HaproxyServer[] {
    return p.hosts.map((h) => ({ name: h.name, address: address(h.name), port: p.apiPort, weight: h.weight }));
  }

  // Container, volume and network names are global on a Docker host, and so are a network's addresses: two
  // FailoverApis with one prefix, or two single-host ones on one subnet, collide.
  private uniqueInStack(): string[] {
    const others = TerraformStack.of(this)
      .node.findAll()
      .filter((c: IConstruct): c is FailoverApi => c !== this && c instanceof FailoverApi);
    const errors: string[] = [];
    const samePrefix = others.filter((c) => c.namePrefix === this.namePrefix);
    if (samePrefix.length > 0) {
      errors.push(
        `FailoverApi ${this.node.path}: namePrefix: ${JSON.stringify(this.namePrefix)} is also used by ${samePrefix.map((c) => c.node.path).join(', ')}; give each FailoverApi in a stack its own namePrefix`,
      );
    }
    const sameSubnet = others.filter((c) => c.singleHostSubnet !== undefined && c.singleHostSubnet === this.singleHostSubnet);
    if (sameSubnet.length > 0) {
      errors.push(
        `FailoverApi ${this.node.path}: networkSubnet: ${JSON.stringify(this.singleHostSubnet)} is also used by ${sameSubnet.map((c) => c.node.path).join(', ')} on the same Docker host; give each FailoverApi in a stack its own networkSubnet`,
      );
    }
    return errors;
  }
}

/**
 * One Docker provider for the local daemon per stack, shared by every FailoverApi given none: a second default
 * provider configuration would fail `terraform validate`.
 */
function defaultDockerProvider(scope: Construct): DockerProvider {
  const stack = TerraformStack.of(scope);
  const id = 'failover-api-docker';
  return (stack.node.tryFindChild(id) as DockerProvider | undefined) ?? new DockerProvider(stack, id, {});
}
