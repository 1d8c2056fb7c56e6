import type {} from 'cdktf/lib/testing/adapters/jest'; // the matcher types Testing.setupJest() registers
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { ApiHost, BdrNode, FailoverApi, FailoverApiProps, FailoverStrategy, HaproxyLoadBalancer } from '../../lib';
import { expectValidHaproxyConfig } from '../support/haproxy-check';
import { resourcesOf, synthJson, testApp } from '../support/synth';

Testing.setupJest();

function stackWithSecrets(): { stack: TerraformStack; apiPassword: string; replicationPassword: string } {
  const stack = new TerraformStack(testApp(), 'test');
  const secret = (id: string) => new TerraformVariable(stack, id, { type: 'string', sensitive: true }).stringValue;
  return { stack, apiPassword: secret('api_password'), replicationPassword: secret('replication_password') };
}

const HOSTS = [
  { name: 'server1', version: 'v1' },
  { name: 'server2', version: 'v1' },
];

function failoverApi(extra: Partial<FailoverApiProps> = {}): { stack: TerraformStack; api: FailoverApi } {
  const { stack, apiPassword, replicationPassword } = stackWithSecrets();
  const api = new FailoverApi(stack, 'api', { hosts: HOSTS, apiPassword, replicationPassword, ...extra });
  return { stack, api };
}

describe('BdrNode', () => {
  test('a Postgres container with a data volume, the rendered files uploaded, and a healthcheck', () => {
    const { stack, apiPassword, replicationPassword } = stackWithSecrets();
    const provider = new DockerProvider(stack, 'docker', {});
    const node = new BdrNode(stack, 'db', {
      provider,
      containerName: 'db1',
      image: 'pg:test',
      networkName: 'net',
      apiPassword,
      replicationPassword,
      config: {
        local: { name: 'server1', host: 'db1' },
        peer: { name: 'server2', host: 'db2' },
        peerAddresses: ['172.28.0.0/24'],
        apiAddresses: ['172.28.0.0/24'],
      },
    });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'db1-data' });
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'db1',
      image: 'pg:test',
      init: true,
      command: ['postgres', '-c', 'config_file=/etc/postgresql/bdr/postgresql.conf'],
      // Over TCP (the image's first-init server is socket-only) and as postgres (as root it logs a FATAL every 5 s).
      healthcheck: expect.objectContaining({
        test: ['CMD', 'pg_isready', '-q', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', 'postgres'],
      }),
    });
    const files = synthJson(stack).resource.docker_container[Object.keys(resourcesOf(synthJson(stack), 'docker_container'))[0]].upload as {
      file: string;
      content: string;
    }[];
    expect(files.map((f) => f.file)).toEqual([
      '/etc/postgresql/bdr/postgresql.conf',
      '/etc/postgresql/bdr/pg_hba.conf',
      '/etc/postgresql/bdr/bootstrap-local.sql',
      '/etc/postgresql/bdr/bootstrap-subscribe.sql',
      '/etc/postgresql/bdr/bootstrap-rejoin.sql',
      '/etc/postgresql/bdr/subscription-synced.sql',
      '/etc/postgresql/bdr/resync-needed.sql',
      '/etc/postgresql/bdr/bootstrap-resync.sql',
      '/etc/postgresql/bdr/peer-resubscribe.sql',
      '/etc/postgresql/bdr/bootstrap-joined.sql',
      '/etc/postgresql/bdr/peer.conninfo',
      '/etc/postgresql/bdr/divergence-check.sql',
      '/etc/postgresql/bdr/subscription-watchdog.sql',
    ]);
    expect(files[0].content).toContain("hba_file = '/etc/postgresql/bdr/pg_hba.conf'");
    expect(files[3].content).toContain("provider_dsn := 'host=db2 port=5432 dbname=api user=replicator'");
    // The escape hatch is the synthesized container itself.
    expect(node.node.findChild('container')).toBe(node.container);
  });
});

describe('ApiHost', () => {
  test('an API container wired to its own database node by name, with time to drain itself before a SIGKILL', () => {
    const { stack, apiPassword, replicationPassword } = stackWithSecrets();
    const provider = new DockerProvider(stack, 'docker', {});
    const host = new ApiHost(stack, 'server1', {
      provider,
      serverName: 'server1',
      version: 'v7',
      apiImage: 'api:test',
      postgresImage: 'pg:test',
      namePrefix: 'fa',
      networkName: 'net',
      apiPassword,
      replicationPassword,
      database: {
        local: { name: 'server1', host: 'fa-server1-db' },
        peer: { name: 'server2', host: 'fa-server2-db' },
        peerAddresses: ['10.1.0.0/24'],
        apiAddresses: ['10.1.0.0/24'],
      },
    });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'fa-server1-api',
      image: 'api:test',
      stop_signal: 'SIGTERM',
      // Up to 30 s to drain (it ends once a check has seen the 404), 0.5 s of quiet, 10 s of grace, 5 s to exit.
      stop_timeout: 46,
      destroy_grace_seconds: 46,
      env: expect.arrayContaining([
        'SERVER_NAME=server1',
        'VERSION=v7',
        'PORT=8080',
        'HEALTH_PATH=/check.txt',
        'DRAIN_TIMEOUT_MS=30000',
        'DRAIN_QUIET_MS=500',
        'SHUTDOWN_GRACE_MS=10000',
        expect.stringMatching(/^DATABASE_URL=postgres:\/\/api:\$\{urlencode\(var\.api_password\)\}@fa-server1-db:5432\/api$/),
      ]),
    });
    expect(synth).toHaveResourceWithProperties(Container, { name: 'fa-server1-db' });
    expect(host.database.node.scope).toBe(host);
  });
});

describe('HaproxyLoadBalancer', () => {
  test('on its own, a bad prop names it: the error carries the scope it was validated in', () => {
    const { stack } = stackWithSecrets();
    let error: unknown;
    try {
      new HaproxyLoadBalancer(stack, 'lb', {
        provider: new DockerProvider(stack, 'docker', {}),
        containerName: 'fa-haproxy',
        image: 'haproxy:test',
        publishPort: 9080,
        config: {
          servers: [
            { name: 'server1', address: '10.0.0.5', port: 8080 },
            { name: 'server2', address: '10.0.0.6', port: 8080 },
          ],
          healthCheck: { fall: 0 },
        },
      });
    } catch (err) {
      error = err;
    }
    expect({ message: (error as Error).message, scope: (error as { scope?: string }).scope }).toEqual({
      message: 'HaproxyLoadBalancer test/lb: healthCheck.fall: must be an integer from 1 to 100, got 0',
      scope: 'HaproxyLoadBalancer test/lb',
    });
  });

  const loadBalancerStack = () => {
    const { stack } = stackWithSecrets();
    const lb = new HaproxyLoadBalancer(stack, 'lb', {
      provider: new DockerProvider(stack, 'docker', {}),
      containerName: 'fa-haproxy',
      image: 'haproxy:test',
      publishPort: 9080,
      config: {
        servers: [
          { name: 'server1', address: '10.0.0.5', port: 8080 },
          { name: 'server2', address: '10.0.0.6', port: 8080 },
        ],
      },
    });
    return { stack, lb };
  };

  test('publishes the frontend, keeps the runtime API socket in a volume, and has a config writer put a valid config there', () => {
    const { stack, lb } = loadBalancerStack();
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'fa-haproxy',
      ports: [{ internal: 8080, external: 9080, ip: '0.0.0.0' }],
      volumes: [expect.objectContaining({ container_path: '/var/lib/haproxy' })],
    });
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'fa-haproxy-runtime' });
    expect(lb.configText).toContain('stats socket /var/lib/haproxy/admin.sock mode 600 level admin expose-fd listeners');
    expect(lb.configText).toContain('server-state-file /var/lib/haproxy/server-state');
    expect(lb.configText).not.toMatch(/stats socket .*(ipv4@|:\d+)/);
    expectValidHaproxyConfig(lb.configText);
    // HAProxy itself carries no config: a config change never replaces it.
    const json = synthJson(stack);
    const haproxy = Object.values(resourcesOf(json, 'docker_container')).find((c) => c.name === 'fa-haproxy')!;
    expect(haproxy.upload).toBeUndefined();
    expect(haproxy.depends_on).toEqual([expect.stringMatching(/^docker_container\.lb_config-writer_/)]);
  });

  test('the config writer: validates with haproxy -c, swaps the file in atomically, runs once, and fails the deploy if refused', () => {
    const { stack, lb } = loadBalancerStack();
    const writer = Object.values(resourcesOf(synthJson(stack), 'docker_container')).find((c) => c.name === 'fa-haproxy-config')!;
    expect(writer).toMatchObject({
      image: 'haproxy:test',
      must_run: false,
      attach: true,
      restart: 'no',
      upload: [{ file: '/etc/haproxy/staged.cfg', content: lb.configText }],
      volumes: [expect.objectContaining({ container_path: '/var/lib/haproxy' })],
      entrypoint: [
        'sh',
        '-c',
        'haproxy -c -f /etc/haproxy/staged.cfg && cp /etc/haproxy/staged.cfg /var/lib/haproxy/haproxy.cfg.new && mv -f /var/lib/haproxy/haproxy.cfg.new /var/lib/haproxy/haproxy.cfg',
      ],
    });
    expect(writer.lifecycle).toEqual({
      postcondition: [{ condition: '${self.exit_code == 0}', error_message: expect.stringContaining('haproxy -c refused') }],
    });
  });
});

describe('FailoverApi', () => {
  test('single host: one provider, one network with a fixed subnet, shipped images, and the endpoint output', () => {
    const { stack, api } = failoverApi();
    const synth = Testing.synth(stack);
    expect(synth).toHaveProvider(DockerProvider);
    expect(synth).toHaveResourceWithProperties(Network, {
      name: 'failover-api-net',
      ipam_config: [{ subnet: '172.28.0.0/24', gateway: '172.28.0.1' }],
    });
    expect(synth).toHaveResourceWithProperties(Image, { name: 'cdktf-failover-api/haproxy:2.6', keep_locally: true });
    expect(synth).toHaveResourceWithProperties(Image, { name: 'cdktf-failover-api/postgres-pglogical:15' });
    expect(synth).toHaveResourceWithProperties(Image, { name: 'cdktf-failover-api/reference-api:local' });
    expect(api.endpointUrl).toBe('http://localhost:8080');
    expect(api.hosts.map((h) => h.apiContainer)).toHaveLength(2);
    expect(Object.keys(resourcesOf(synthJson(stack), 'docker_container'))).toHaveLength(8); // 2 APIs, 2 databases and their migrators, HAProxy, its config writer
  });

  test('base images: the official ones by default, under a registry, or one given in full', () => {
    const bases = (extra: Partial<FailoverApiProps>) => {
      const { stack } = failoverApi(extra);
      const images = Object.values(resourcesOf(synthJson(stack), 'docker_image')) as {
        name: string;
        build: { build_args: Record<string, string> };
      }[];
      return Object.fromEntries(images.map((i) => [i.name, i.build.build_args.BASE_IMAGE]));
    };
    expect(bases({})).toEqual({
      'cdktf-failover-api/reference-api:local': 'node:20-bookworm-slim',
      'cdktf-failover-api/postgres-pglogical:15': 'postgres:15-bookworm',
      'cdktf-failover-api/haproxy:2.6': 'debian:bookworm-slim',
    });
    expect(bases({ baseImages: { registry: 'registry.example.com:5000/hub', postgres: 'db.example.com/pg:15-bookworm' } })).toEqual({
      'cdktf-failover-api/reference-api:local': 'registry.example.com:5000/hub/node:20-bookworm-slim',
      'cdktf-failover-api/postgres-pglogical:15': 'db.example.com/pg:15-bookworm',
      'cdktf-failover-api/haproxy:2.6': 'registry.example.com:5000/hub/debian:bookworm-slim',
    });
  });

  test('caller-supplied images are used as they are, and nothing is built', () => {
    const { stack } = failoverApi({
      apiImage: 'registry.example/api:1.2.3',
      postgresImage: 'registry.example/pg:16',
      haproxyImage: 'registry.example/haproxy:2.8',
    });
    const json = synthJson(stack);
    expect(resourcesOf(json, 'docker_image')).toEqual({});
    const images = Object.values(resourcesOf(json, 'docker_container'))
      .map((c) => c.image)
      .sort();
    expect(images).toEqual([
      'registry.example/api:1.2.3',
      'registry.example/api:1.2.3',
      'registry.example/haproxy:2.8',
      'registry.example/haproxy:2.8',
      ...Array(4).fill('registry.example/pg:16'),
    ]);
  });

  test.each(Object.values(FailoverStrategy))('strategy %s reaches the rendered config', (strategy) => {
    const { api } = failoverApi({ strategy });
    expect(api.loadBalancer.configText).toContain(`strategy ${strategy}`);
    expectValidHaproxyConfig(api.loadBalancer.configText);
  });

  test('the self-drain follows the health check: a slow one lengthens the drain bound and the stop timeouts', () => {
    const { api } = failoverApi({ healthCheck: { intervalMs: 40_000, timeoutMs: 1000, path: '/healthz' } });
    expect(api.hosts.map((h) => h.drain)).toEqual([
      { drainTimeoutMs: 42_000, quietMs: 500, shutdownGraceMs: 10_000, stopTimeoutSeconds: 58 },
      expect.anything(),
    ]);
    const env = api.hosts[0].apiContainer.envInput ?? [];
    expect(env).toEqual(expect.arrayContaining(['HEALTH_PATH=/healthz', 'DRAIN_TIMEOUT_MS=42000']));
    expect(api.hosts[0].apiContainer.destroyGraceSecondsInput).toBe(58);
    expect(api.hosts[0].apiContainer.stopTimeoutInput).toBe(58);
    expect(api.loadBalancer.configText).toContain(
      'option httpchk GET /healthz HTTP/1.0\n    http-check send hdr X-Failover-Check haproxy\n    http-check disable-on-404\n',
    );
    // The container's own healthcheck probes the same path (it used to probe /check.txt whatever the prop said).
    const test = (api.hosts[0].apiContainer.healthcheckInput as { test: string[] }).test;
    expect(test[test.length - 1]).toContain("fetch('http://127.0.0.1:8080/healthz')");
  });

  test('backup has no drain-on-404, so its APIs do not drain themselves (a 404 would only fail checks)', () => {
    const { api } = failoverApi({ strategy: FailoverStrategy.BACKUP });
    expect(api.hosts[0].drain.drainTimeoutMs).toBe(0);
    expect(api.hosts[0].apiContainer.envInput).toContain('DRAIN_TIMEOUT_MS=0');
    expect(api.loadBalancer.configText).not.toContain('disable-on-404');
  });

  test('your own API: per-host images, extra env, command, limits and logging', () => {
    const { stack, api } = failoverApi({
      hosts: [
        { name: 'server1', version: 'v2', image: 'me/api:2.0' },
        { name: 'server2', version: 'v1', image: 'me/api:1.9' },
      ],
      apiContainer: {
        environment: { FEATURE_X: 'on' },
        command: ['node', 'dist/server.js'],
        memoryMb: 512,
        cpuShares: 512,
        logOptions: { 'max-size': '50m' },
      },
    });
    expect(api.hosts.map((h) => h.apiContainer.imageInput)).toEqual(['me/api:2.0', 'me/api:1.9']);
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'failover-api-server1-api',
      env: expect.arrayContaining(['FEATURE_X=on', 'SERVER_NAME=server1']),
      command: ['node', 'dist/server.js'],
      memory: 512,
      cpu_shares: 512,
      log_driver: 'json-file',
      log_opts: { 'max-size': '50m' },
      wait: true,
    });
    // Both hosts bring their own image, so the reference API is not built.
    expect(Object.keys(resourcesOf(synthJson(stack), 'docker_image')).filter((k) => k.includes('api-image'))).toEqual([]);
  });

  test('no Terraform template sequence sneaks into rendered files or commands', () => {
    const json = synthJson(failoverApi().stack);
    for (const c of Object.values(resourcesOf(json, 'docker_container'))) {
      for (const text of [
        ...((c.upload as { content: string }[] | undefined) ?? []).map((u) => u.content),
        ...((c.command as string[] | undefined) ?? []),
      ]) {
        expect(text).not.toMatch(/(^|[^%])%\{/);
        expect(text).not.toMatch(/(^|[^$])\$\{/);
      }
    }
  });

  test('takes the HAProxy props that make sense for the pair: timeouts, retries, failure handling', () => {
    const { stack, apiPassword, replicationPassword } = stackWithSecrets();
    const api = new FailoverApi(stack, 'api', {
      hosts: HOSTS,
      apiPassword,
      replicationPassword,
      timeouts: { serverMs: 15_000 },
      retries: 2,
      failureHandling: { errorLimit: 5 },
    });
    expect(api.loadBalancer.configText).toMatch(/^\s+timeout server 15000ms$/m);
    expect(api.loadBalancer.configText).toMatch(/^\s+retries 2$/m);
    expect(api.loadBalancer.configText).toContain('error-limit 5');
  });

  test('two FailoverApis in one stack: one provider configuration, their own networks, readable outputs of their own', () => {
    const { stack, apiPassword, replicationPassword } = stackWithSecrets();
    new FailoverApi(stack, 'a', { hosts: HOSTS, apiPassword, replicationPassword, namePrefix: 'shop' });
    new FailoverApi(stack, 'b', {
      hosts: HOSTS,
      apiPassword,
      replicationPassword,
      namePrefix: 'billing',
      networkSubnet: '172.29.0.0/24',
      frontendPort: 8081,
    });
    const json = synthJson(stack) as unknown as {
      provider: { docker: unknown[] };
      output: Record<string, unknown>;
      resource: { docker_network: Record<string, { name: string }> };
    };
    expect(json.provider.docker).toHaveLength(1);
    expect(
      Object.values(json.resource.docker_network)
        .map((n) => n.name)
        .sort(),
    ).toEqual(['billing-net', 'shop-net']);
    expect(Object.keys(json.output).sort()).toEqual([
      'billing_endpoint_url',
      'billing_haproxy_container',
      'shop_endpoint_url',
      'shop_haproxy_container',
    ]);
  });

  test('two single-host FailoverApis on one subnet fail validation, naming the prop', () => {
    const { stack, apiPassword, replicationPassword } = stackWithSecrets();
    new FailoverApi(stack, 'a', { hosts: HOSTS, apiPassword, replicationPassword, namePrefix: 'shop' });
    new FailoverApi(stack, 'b', { hosts: HOSTS, apiPassword, replicationPassword, namePrefix: 'billing' });
    expect(() => Testing.synth(stack, true)).toThrow(
      'FailoverApi test/b: networkSubnet: "172.28.0.0/24" is also used by test/a on the same Docker host; give each FailoverApi in a stack its own networkSubnet',
    );
  });

  test('two FailoverApis with the same namePrefix in one stack fail validation', () => {
    const { stack, apiPassword, replicationPassword } = stackWithSecrets();
    const provider = new DockerProvider(stack, 'docker', {});
    new FailoverApi(stack, 'a', { hosts: HOSTS, apiPassword, replicationPassword, provider });
    new FailoverApi(stack, 'b', { hosts: HOSTS, apiPassword, replicationPassword, provider });
    expect(() => Testing.synth(stack, true)).toThrow(/namePrefix: "failover-api" is also used by test\/a/);
  });
});
