import { TerraformStack, TerraformVariable, Token } from 'cdktf';
import { testApp } from '../support/synth';
import { Errors, FailoverApi, FailoverApiProps } from '../../lib';
import { ValidationError } from '../../lib/validation/validation-error';

function attempt(patch: (secrets: { apiPassword: string; replicationPassword: string }) => Partial<FailoverApiProps>): () => FailoverApi {
  const stack = new TerraformStack(testApp(), 'stack');
  const secret = (id: string) => new TerraformVariable(stack, id, { type: 'string', sensitive: true }).stringValue;
  const secrets = { apiPassword: secret('api_password'), replicationPassword: secret('replication_password') };
  const props = {
    hosts: [
      { name: 'server1', version: 'v1' },
      { name: 'server2', version: 'v1' },
    ],
    ...secrets,
    ...patch(secrets),
  } as FailoverApiProps;
  return () => new FailoverApi(stack, 'api', props);
}

const machine = (address: string) => ({ dockerHost: `ssh://deploy@${address}`, address });

// Each bad prop and the exact error it gets at synth time: the construct, the prop, and what is allowed.
const CASES: [string, Parameters<typeof attempt>[0], string][] = [
  [
    'one host',
    () => ({ hosts: [{ name: 'server1', version: 'v1' }] }),
    'hosts: must list exactly 2 hosts (a pglogical pair replicating both ways; the first is the primary), got 1',
  ],
  [
    'three hosts',
    () => ({ hosts: ['a', 'b', 'c'].map((name) => ({ name, version: 'v1' })) }),
    'hosts: must list exactly 2 hosts (a pglogical pair replicating both ways; the first is the primary), got 3',
  ],
  [
    'duplicate names',
    () => ({
      hosts: [
        { name: 'server1', version: 'v1' },
        { name: 'server1', version: 'v2' },
      ],
    }),
    'hosts[1].name: must be unique, but "server1" is used twice',
  ],
  [
    'bad name',
    () => ({
      hosts: [
        { name: 'Server 1', version: 'v1' },
        { name: 'server2', version: 'v1' },
      ],
    }),
    'hosts[0].name: must be 1-31 characters of lowercase letters, digits, _ and -, starting with a letter, got "Server 1"',
  ],
  [
    'bad version',
    () => ({
      hosts: [
        { name: 'server1', version: 'v1\nX=1' },
        { name: 'server2', version: 'v1' },
      ],
    }),
    'hosts[0].version: must be 1-64 characters of letters, digits, ., _, + and -, got "v1\\nX=1"',
  ],
  [
    'bad weight',
    () => ({
      hosts: [
        { name: 'server1', version: 'v1', weight: 0 },
        { name: 'server2', version: 'v1' },
      ],
    }),
    'hosts[0].weight: must be an integer from 1 to 256, got 0',
  ],
  [
    'registry with a trailing slash',
    () => ({ baseImages: { registry: 'registry.example.com/hub/' } }),
    'baseImages.registry: must be a registry host and path without a tag or trailing slash, e.g. \'registry.example.com:5000/hub\', got "registry.example.com/hub/"',
  ],
  [
    'base image with a space',
    () => ({ baseImages: { postgres: 'postgres:15 bookworm' } }),
    'baseImages.postgres: must be an image reference such as \'registry.example.com/hub/debian:bookworm-slim\', got "postgres:15 bookworm"',
  ],
  ['bad frontend port', () => ({ frontendPort: 70000 }), 'frontendPort: must be an integer from 1 to 65535, got 70000'],
  ['bad api port', () => ({ apiPort: 0 }), 'apiPort: must be an integer from 1 to 65535, got 0'],
  ['bad postgres port', () => ({ postgresPort: 5432.5 }), 'postgresPort: must be an integer from 1 to 65535, got 5432.5'],
  [
    'unknown strategy',
    () => ({ strategy: 'round-robin' as never }),
    "strategy: must be one of 'weighted-stick', 'primary-first', 'backup', got \"round-robin\"",
  ],
  [
    'missing api password',
    () => ({ apiPassword: undefined as never }),
    'apiPassword: must be set: pass the value of a sensitive TerraformVariable, e.g. new TerraformVariable(this, "db_password", { type: "string", sensitive: true }).stringValue',
  ],
  [
    'literal replication password',
    () => ({ replicationPassword: 'hunter2' }),
    'replicationPassword: must not be a literal string (it would be written in plain text into cdk.tf.json): pass the value of a sensitive TerraformVariable instead',
  ],
  [
    'machines for some hosts only',
    () => ({
      hosts: [
        { name: 'server1', version: 'v1', machine: machine('10.0.0.5') },
        { name: 'server2', version: 'v1' },
      ],
      loadBalancer: machine('10.0.0.4'),
    }),
    'hosts[].machine: the multi-host topology needs a machine for every host and for loadBalancer; give all of them, or none for the single-host topology',
  ],
  [
    'bad docker host',
    () => ({
      hosts: [
        { name: 'server1', version: 'v1', machine: { dockerHost: 'http://x', address: '10.0.0.5' } },
        { name: 'server2', version: 'v1', machine: machine('10.0.0.6') },
      ],
      loadBalancer: machine('10.0.0.4'),
    }),
    'hosts[0].machine.dockerHost: must be a Docker host URL such as ssh://deploy@10.0.0.5, got "http://x"',
  ],
  [
    "a DNS name as a host machine's address",
    () => ({
      hosts: [
        { name: 'server1', version: 'v1', machine: machine('db1.example.com') },
        { name: 'server2', version: 'v1', machine: machine('10.0.0.6') },
      ],
      loadBalancer: machine('lb.example.com'),
    }),
    'hosts[0].machine.address: must be an IPv4 or IPv6 address, got "db1.example.com": the peer\'s database admits this host by its address (pg_hba), which takes no DNS names',
  ],
  [
    'reserved env name',
    () => ({ apiContainer: { environment: { DATABASE_URL: 'x' } } }),
    'apiContainer.environment.DATABASE_URL: is set by the library (the env contract: HOST, PORT, SERVER_NAME, VERSION, DATABASE_URL, HEALTH_PATH, DRAIN_TIMEOUT_MS, DRAIN_QUIET_MS, SHUTDOWN_GRACE_MS); use another name',
  ],
  [
    'bad env name',
    () => ({ apiContainer: { environment: { 'A-B': 'x' } } }),
    'apiContainer.environment.A-B: must be a variable name of letters, digits and _, not starting with a digit, got "A-B"',
  ],
  [
    'empty command',
    () => ({ apiContainer: { command: [] } }),
    "apiContainer.command: must be a non-empty list of strings, e.g. ['node', 'server.js']",
  ],
  ['tiny memory', () => ({ apiContainer: { memoryMb: 1 } }), 'apiContainer.memoryMb: must be an integer from 6 to 1048576, got 1'],
  ['cpu shares 1', () => ({ apiContainer: { cpuShares: 1 } }), 'apiContainer.cpuShares: must be an integer from 2 to 262144, got 1'],
  [
    'bad subnet',
    () => ({ networkSubnet: '172.28.0.0/99' }),
    'networkSubnet: must be an IP address or CIDR block such as 10.0.0.0/8, got "172.28.0.0/99"',
  ],
  [
    'a duplicate migration version',
    () => ({
      schema: {
        migrations: [
          { version: 1, name: 'items', sql: 'SELECT 1' },
          { version: 1, name: 'orders', sql: 'SELECT 2' },
        ],
      },
    }),
    'schema.migrations[1].version: must be unique, but version 1 is also migrations[0] ("items"); give the new migration the next free version',
  ],
  [
    'a schema name with a capital',
    () => ({ schema: { name: 'Shop', migrations: [{ version: 1, name: 'items', sql: 'SELECT 1' }] } }),
    'schema.name: must be a lowercase SQL identifier: letters, digits and _, at most 63, not starting with a digit, got "Shop"',
  ],
  [
    'a Terraform token as a port',
    () => ({ frontendPort: Token.asNumber('${var.port}') }),
    "frontendPort: must be a number known at synth time, not a Terraform token (a variable, a data source or another resource's attribute): it is written into the rendered config files and checked here. Pass a literal, e.g. one read from an environment variable or cdktf.json context",
  ],
  // Validated by the child constructs (HaproxyLoadBalancer, BdrNode), still located at the FailoverApi.
  [
    'a health-check path without a slash',
    () => ({ healthCheck: { path: 'healthz' } }),
    "healthCheck.path: must be a URL path starting with '/', without whitespace, control characters, quotes, backslashes or '#', got \"healthz\"",
  ],
  [
    'a WAL limit below one segment',
    () => ({ maxSlotWalKeepSizeMb: 8 }),
    'maxSlotWalKeepSizeMb: must be -1 (no limit) or an integer from 16 (one WAL segment) to 16777216, got 8',
  ],
  [
    'a negative divergence check interval',
    () => ({ divergenceCheckIntervalSeconds: -1 }),
    'divergenceCheckIntervalSeconds: must be an integer from 0 to 86400, got -1',
  ],
];

describe('FailoverApi validation at synth time', () => {
  test.each(CASES)('%s', (_label, patch, message) => {
    let error: unknown;
    try {
      attempt(patch)();
    } catch (err) {
      error = err;
    }
    // `Errors.isValidationError` is what every jsii language gets.
    expect({ isValidationError: Errors.isValidationError(error), message: (error as Error).message }).toEqual({
      isValidationError: true,
      message: `FailoverApi stack/api: ${message}`,
    });
  });

  test('with the props its children render: a port, a health check and the WAL limit in one error', () => {
    expect(attempt(() => ({ frontendPort: 0, healthCheck: { path: 'healthz' }, maxSlotWalKeepSizeMb: 8 }))).toThrow(
      [
        'FailoverApi stack/api: 3 props are invalid:',
        "  healthCheck.path: must be a URL path starting with '/', without whitespace, control characters, quotes, backslashes or '#', got \"healthz\"",
        '  maxSlotWalKeepSizeMb: must be -1 (no limit) or an integer from 16 (one WAL segment) to 16777216, got 8',
        '  frontendPort: must be an integer from 1 to 65535, got 0',
      ].join('\n'),
    );
  });

  test('every bad prop at once, one per line, each with what is allowed', () => {
    expect(
      attempt(() => ({
        frontendPort: 0,
        apiPort: 70000,
        namePrefix: 'Bad Prefix',
        hosts: [
          { name: 'server1', version: 'v1', weight: 0 },
          { name: 'server2', version: 'v1' },
        ],
      })),
    ).toThrow(
      [
        'FailoverApi stack/api: 4 props are invalid:',
        '  hosts[0].weight: must be an integer from 1 to 256, got 0',
        '  frontendPort: must be an integer from 1 to 65535, got 0',
        '  apiPort: must be an integer from 1 to 65535, got 70000',
        '  namePrefix: must be 1-31 characters of lowercase letters, digits, _ and -, starting with a letter, got "Bad Prefix"',
      ].join('\n'),
    );
  });

  test('a ValidationError is known as one across two copies of the package, where instanceof fails', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const copy = require('../../lib/validation/validation-error') as typeof import('../../lib/validation/validation-error');
      foreign = new copy.ValidationError('frontendPort', 'must be an integer from 1 to 65535, got 0');
    });
    expect(foreign instanceof ValidationError).toBe(false);
    expect([foreign, new Error('frontendPort: x'), null, undefined, 'frontendPort: x'].map((x) => Errors.isValidationError(x))).toEqual([
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  test('a valid configuration is accepted', () => {
    expect(attempt(() => ({}))().node.path).toBe('stack/api');
  });
});
