import { Testing } from 'cdktf';
import { ProductionStack, productionMachines } from '../../stacks/production-stack';
import { SmokeStack } from '../../stacks/smoke-stack';
import { expectValidHaproxyConfig } from '../support/haproxy-check';
import { resourceAt, resourcesOf, synthJson, synthNormalized, testApp } from '../support/synth';

Testing.setupJest();

const machines = productionMachines({}, () => undefined);

describe('stacks', () => {
  test('smoke stack snapshot', () => {
    expect(synthNormalized(new SmokeStack(testApp(), 'smoke'))).toMatchSnapshot();
  });

  test('production stack snapshot', () => {
    expect(synthNormalized(new ProductionStack(testApp(), 'production', { machines }))).toMatchSnapshot();
  });

  test("the smoke stack's haproxy config passes haproxy -c and carries the article's weighted stick-table backend", () => {
    const json = synthJson(new SmokeStack(testApp(), 'smoke'));
    const writer = resourceAt(json, 'docker_container', 'failover-api_haproxy_config-writer');
    const upload = (writer.upload as { file: string; content: string }[]).find((u) => u.file === '/etc/haproxy/staged.cfg');
    expect(upload).toBeDefined();
    const cfg = upload!.content;
    expectValidHaproxyConfig(cfg);
    for (const line of [
      'option forwardfor except 127.0.0.1',
      'option redispatch 1',
      'option httpchk GET /check.txt HTTP/1.0',
      'http-check disable-on-404',
      'stick match dst_port',
      'stick-table type integer size 100 expire 96h',
      'server server1 failover-api-server1-api:8080 check weight 100',
      'server server2 failover-api-server2-api:8080 check weight 1',
      'nameserver ns1 127.0.0.11:53',
    ]) {
      expect(cfg).toContain(`    ${line}\n`);
    }
    expect(cfg).toContain('init-addr last,libc,none');
  });

  test("the production stack's haproxy config passes haproxy -c and addresses servers by machine", () => {
    const json = synthJson(new ProductionStack(testApp(), 'production', { machines }));
    const writer = resourceAt(json, 'docker_container', 'failover-api_haproxy_config-writer');
    const cfg = (writer.upload as { content: string }[])[0].content;
    expectValidHaproxyConfig(cfg);
    expect(cfg).toContain('server server1 10.0.0.5:8080 check weight 100');
    expect(cfg).toContain('server server2 10.0.0.6:8080 check weight 1');
    expect(cfg).not.toContain('resolvers');
  });

  test('production: one SSH Docker provider per machine, addresses from env', () => {
    const fromEnv = productionMachines({ FAILOVER_SERVER1_ADDRESS: '192.0.2.11', FAILOVER_SSH_USER: 'ops' }, () => undefined);
    const json = synthJson(new ProductionStack(testApp(), 'production', { machines: fromEnv }));
    const hosts = (json.provider?.docker ?? []).map((p) => p.host).sort();
    expect(hosts).toEqual(['ssh://deploy@10.0.0.4', 'ssh://deploy@10.0.0.6', 'ssh://ops@192.0.2.11'].map((h) => h.replace('deploy', 'ops')).sort());
  });

  test('production: each Postgres port is published on its machine and admits only its peer', () => {
    const json = synthJson(new ProductionStack(testApp(), 'production', { machines }));
    const db1 = resourceAt(json, 'docker_container', 'failover-api_server1_database_container');
    expect(db1.ports).toEqual([{ internal: 5432, external: 5432, ip: '10.0.0.5' }]);
    const hba = (db1.upload as { file: string; content: string }[]).find((u) => u.file.endsWith('pg_hba.conf'))!.content;
    const hostLines = hba.split('\n').filter((l) => l.startsWith('host'));
    expect(hostLines.filter((l) => l.includes('replicator')).every((l) => l.includes('10.0.0.6/32'))).toBe(true);
    expect(hostLines.some((l) => l.includes('0.0.0.0/0'))).toBe(false);
  });

  test('secrets are sensitive variables and never appear in outputs', () => {
    const json = synthJson(new SmokeStack(testApp(), 'smoke'));
    expect(json.variable?.api_password).toMatchObject({ type: 'string', sensitive: true });
    expect(json.variable?.replication_password).toMatchObject({ type: 'string', sensitive: true });
    expect(JSON.stringify(json.output)).not.toMatch(/password/);
    expect(Object.keys(resourcesOf(json, 'docker_container')).length).toBe(9); // 2 api, 2 db and their migrators, haproxy, its config writer, probe
  });

  test("the smoke stack has one version variable per host and a probe running the article's curl loop", () => {
    const json = synthJson(new SmokeStack(testApp(), 'smoke'));
    expect(json.variable?.server1_version).toMatchObject({ default: 'v1' });
    expect(json.variable?.server2_version).toMatchObject({ default: 'v1' });
    const probe = resourceAt(json, 'docker_container', 'probe');
    expect((probe.command as string[])[0]).toMatch(
      /while true; do .*curl .*%%\{http_code\}.*http:\/\/failover-api-haproxy:8080\/api\/v1\/system\/health.*sleep 0\.5; done/,
    );
    // It counts from its first 200, after both APIs are up: the first deploy's own 503s are not failures.
    expect((probe.command as string[])[0]).toMatch(/^until curl -sf .*; do sleep 0\.5; done; while true/);
    expect(probe.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^docker_container\.failover-api_server1_api_/),
        expect.stringMatching(/^docker_container\.failover-api_server2_api_/),
      ]),
    );
  });

  test("an image registry reaches the shipped images' bases and the probe image", () => {
    const json = synthJson(new SmokeStack(testApp(), 'smoke', { imageRegistry: 'mirror.example:5000/hub' }));
    const images = Object.values(resourcesOf(json, 'docker_image')) as { name: string; build?: { build_args?: Record<string, string> } }[];
    expect(images.map((i) => i.build?.build_args?.BASE_IMAGE ?? i.name).sort()).toEqual([
      'mirror.example:5000/hub/curlimages/curl:8.11.1',
      'mirror.example:5000/hub/debian:bookworm-slim',
      'mirror.example:5000/hub/node:20-bookworm-slim',
      'mirror.example:5000/hub/postgres:15-bookworm',
    ]);
  });
});
