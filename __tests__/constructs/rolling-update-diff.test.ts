import { TerraformStack, TerraformVariable } from 'cdktf';
import { DatabaseSchemas, FailoverApi, FailoverApiProps, FailoverStrategy } from '../../lib';
import { SmokeStack } from '../../stacks/smoke-stack';
import { synthJson, SynthesizedStack, testApp } from '../support/synth';
import { planBetween, PreventDestroyError } from '../support/terraform-plan';

// `terraform plan` cannot run here (no provider registry), so the plan is read off two syntheses: what changes,
// and whether the provider replaces or updates it (its ForceNew attributes, support/terraform-plan.ts).

function smokeWithVersions(server1: string, server2: string): SynthesizedStack {
  const json = synthJson(new SmokeStack(testApp({}), 'smoke'));
  // Set the variables as `TF_VAR_server2_version=...` would.
  return JSON.parse(
    JSON.stringify(json)
      .replace(/\$\{var\.server1_version\}/g, server1)
      .replace(/\$\{var\.server2_version\}/g, server2),
  ) as SynthesizedStack;
}

function failoverApi(props: Partial<FailoverApiProps> = {}): SynthesizedStack {
  const stack = new TerraformStack(testApp({}), 'stack');
  const secret = (id: string) => new TerraformVariable(stack, id, { type: 'string', sensitive: true }).stringValue;
  new FailoverApi(stack, 'api', {
    hosts: [
      { name: 'server1', version: 'v1' },
      { name: 'server2', version: 'v1' },
    ],
    apiPassword: secret('api_password'),
    replicationPassword: secret('replication_password'),
    ...props,
  });
  return synthJson(stack);
}

describe('what a deploy does, from two syntheses', () => {
  test('a second synth with no change is identical: no perpetual diff from us', () => {
    expect(planBetween(smokeWithVersions('v1', 'v1'), smokeWithVersions('v1', 'v1'))).toEqual({});
    expect(planBetween(failoverApi(), failoverApi())).toEqual({});
  });

  test("changing server2's version replaces server2's API container and nothing else", () => {
    const plan = planBetween(smokeWithVersions('v1', 'v1'), smokeWithVersions('v1', 'v2'));
    expect(Object.entries(plan)).toEqual([[expect.stringMatching(/^docker_container\.failover-api_server2_api_/), 'replace']]);
  });

  test("then changing server1's version replaces only server1's API container", () => {
    const plan = planBetween(smokeWithVersions('v1', 'v2'), smokeWithVersions('v2', 'v2'));
    expect(Object.entries(plan)).toEqual([[expect.stringMatching(/^docker_container\.failover-api_server1_api_/), 'replace']]);
  });

  test.each<[string, Partial<FailoverApiProps>, Partial<FailoverApiProps>]>([
    [
      'weights 100/1 to 50/2',
      {},
      {
        hosts: [
          { name: 'server1', version: 'v1', weight: 50 },
          { name: 'server2', version: 'v1', weight: 2 },
        ],
      },
    ],
    ['strategy weighted-stick to primary-first', {}, { strategy: FailoverStrategy.PRIMARY_FIRST }],
  ])('%s replaces only the config writer: HAProxy keeps running and reloads', (_what, before, after) => {
    const plan = planBetween(failoverApi(before), failoverApi(after));
    expect(Object.entries(plan)).toEqual([[expect.stringMatching(/^docker_container\.api_haproxy_config-writer_[0-9A-F]{8}$/), 'replace']]);
  });

  test('a health-check interval 5000 to 2000 ms replaces the config writer, and the migrators, which record the resync drain; no database or API restarts', () => {
    const plan = planBetween(failoverApi({}), failoverApi({ healthCheck: { intervalMs: 2000 } }));
    expect(Object.entries(plan).sort()).toEqual([
      [expect.stringMatching(/^docker_container\.api_haproxy_config-writer_[0-9A-F]{8}$/), 'replace'],
      [expect.stringMatching(/^docker_container\.api_server1_database_migrator_[0-9A-F]{8}$/), 'replace'],
      [expect.stringMatching(/^docker_container\.api_server2_database_migrator_[0-9A-F]{8}$/), 'replace'],
    ]);
  });

  test('appending a migration replaces both migrators, so each runs it, and nothing else: no database or API restarts', () => {
    const orders = { version: 2, name: 'orders', sql: 'CREATE TABLE orders (id uuid PRIMARY KEY);' };
    const plan = planBetween(failoverApi(), failoverApi({ schema: { migrations: [...DatabaseSchemas.REFERENCE_API.migrations, orders] } }));
    expect(Object.entries(plan).sort()).toEqual([
      [expect.stringMatching(/^docker_container\.api_server1_database_migrator_[0-9A-F]{8}$/), 'replace'],
      [expect.stringMatching(/^docker_container\.api_server2_database_migrator_[0-9A-F]{8}$/), 'replace'],
    ]);
  });

  test('a change that would replace a data volume is refused, unless protectDataVolumes is false', () => {
    const renamed = { namePrefix: 'shop' };
    expect(() => planBetween(failoverApi(), failoverApi(renamed))).toThrow(PreventDestroyError);
    expect(() => planBetween(failoverApi(), failoverApi(renamed))).toThrow(
      /Resource docker_volume\.api_server1_database_data_[0-9A-F]{8} has lifecycle\.prevent_destroy set/,
    );
    const plan = planBetween(failoverApi({ protectDataVolumes: false }), failoverApi({ ...renamed, protectDataVolumes: false }));
    expect(
      Object.entries(plan)
        .filter(([address]) => address.startsWith('docker_volume.'))
        .map(([, action]) => action),
    ).toEqual(['replace', 'replace', 'replace']);
  });

  test('a memory limit changes in place; nothing is replaced', () => {
    const plan = planBetween(failoverApi(), failoverApi({ apiContainer: { memoryMb: 512 } }));
    expect(Object.values(plan)).toEqual(['update', 'update']);
  });
});

test('every container sets its log driver and options: the provider reads them back and both force replacement', () => {
  for (const json of [smokeWithVersions('v1', 'v1'), failoverApi()]) {
    for (const [name, c] of Object.entries(json.resource.docker_container)) {
      expect({ name, driver: c.log_driver, opts: c.log_opts }).toEqual({ name, driver: 'json-file', opts: { 'max-size': '10m', 'max-file': '3' } });
    }
  }
});
