import { isIP } from 'node:net';
import { Token } from 'cdktf';
import { FAILOVER_STRATEGIES, FailoverStrategy } from '../haproxy/failover-strategy';
import { checkCidr, checkHost, checkInteger, checkName, checkOneOf, checkPattern, checkPort, checkUniqueNames } from '../validation/checks';
import { Errors, ValidationError } from '../validation/validation-error';
import { ApiEnvironmentContract } from '../api/api-environment';
import { resolveDatabaseSchema } from '../postgres/resolve-database-schema';
import { resolveBdrNodeConfig } from '../postgres/resolve-bdr-node-config';
import { resolveHaproxyProps } from '../haproxy/resolve-haproxy-props';
import { ApiContainerOptions, DockerMachine, FailoverApiHost, FailoverApiProps } from './failover-api-props';
import { ShippedBaseImages } from './docker-build-contexts';
import { checkSecret } from './secret-input';

/** Validated props with defaults. Internal to `FailoverApi`. */
export interface ResolvedFailoverApiProps {
  readonly hosts: { name: string; version: string; weight: number; machine?: DockerMachine; image?: string }[];
  readonly apiContainer: ApiContainerOptions;
  readonly baseImages: ShippedBaseImages;
  readonly multiHost: boolean;
  readonly strategy: FailoverStrategy;
  readonly frontendPort: number;
  readonly apiPort: number;
  readonly postgresPort: number;
  readonly namePrefix: string;
  readonly networkSubnet: string;
}

const DOCKER_HOST = /^(ssh|tcp|unix):\/\/[^\s'"#]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function apiContainer(options: ApiContainerOptions | undefined): ApiContainerOptions {
  const o = options ?? {};
  for (const name of Object.keys(o.environment ?? {})) {
    checkPattern(`apiContainer.environment.${name}`, name, ENV_NAME, 'a variable name of letters, digits and _, not starting with a digit');
    if (ApiEnvironmentContract.VARIABLE_NAMES.includes(name)) {
      throw new ValidationError(
        `apiContainer.environment.${name}`,
        `is set by the library (the env contract: ${ApiEnvironmentContract.VARIABLE_NAMES.join(', ')}); use another name`,
      );
    }
  }
  if (o.command !== undefined && (!Array.isArray(o.command) || o.command.length === 0 || o.command.some((c) => typeof c !== 'string'))) {
    throw new ValidationError('apiContainer.command', "must be a non-empty list of strings, e.g. ['node', 'server.js']");
  }
  if (o.memoryMb !== undefined) {
    checkInteger('apiContainer.memoryMb', o.memoryMb, 6, 1_048_576);
  }
  if (o.cpuShares !== undefined) {
    checkInteger('apiContainer.cpuShares', o.cpuShares, 2, 262_144);
  }
  return o;
}
// A Docker image reference: [registry[:port]/]path[:tag][@digest], no spaces.
const IMAGE_REF = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
const REGISTRY_PATH = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$/;

function baseImages(bases: ShippedBaseImages | undefined): ShippedBaseImages {
  const b = bases ?? {};
  if (b.registry !== undefined) {
    checkPattern(
      'baseImages.registry',
      b.registry,
      REGISTRY_PATH,
      "a registry host and path without a tag or trailing slash, e.g. 'registry.example.com:5000/hub'",
    );
  }
  for (const key of ['api', 'postgres', 'haproxy'] as const) {
    if (b[key] !== undefined) {
      checkPattern(`baseImages.${key}`, b[key], IMAGE_REF, "an image reference such as 'registry.example.com/hub/debian:bookworm-slim'");
    }
  }
  return b;
}

const VERSION = /^[A-Za-z0-9._+-]{1,64}$/;

// A host's address is what its peer's pg_hba admits, so it must be an IP address; HAProxy's may be a DNS name.
function machine(field: string, m: DockerMachine, ipOnly: boolean): DockerMachine {
  checkPattern(`${field}.dockerHost`, m.dockerHost, DOCKER_HOST, 'a Docker host URL such as ssh://deploy@10.0.0.5');
  if (ipOnly && (typeof m.address !== 'string' || isIP(m.address) === 0)) {
    throw new ValidationError(
      `${field}.address`,
      `must be an IPv4 or IPv6 address, got ${JSON.stringify(m.address)}: the peer's database admits this host by its address (pg_hba), which takes no DNS names`,
    );
  }
  checkHost(`${field}.address`, m.address);
  return m;
}

function version(field: string, value: unknown): string {
  // A TerraformVariable's value (the smoke stack's per-host versions) is checked by Terraform, not here.
  if (typeof value === 'string' && Token.isUnresolved(value)) {
    return value;
  }
  return checkPattern(field, value, VERSION, '1-64 characters of letters, digits, ., _, + and -');
}

/**
 * Validates every prop and fills in the defaults. Every independent check runs, and all that fail are reported in
 * one error (`ValidationError.all`), as aws-cdk-lib does, so a user fixes them in one pass.
 */
export function resolveFailoverApiProps(props: FailoverApiProps): ResolvedFailoverApiProps {
  const errors: ValidationError[] = [];
  // Runs one check; a failed one is collected, and its value is only read once every check has passed.
  const check = <T>(run: () => T): T => {
    try {
      return run();
    } catch (err) {
      if (!Errors.isValidationError(err)) {
        throw err;
      }
      errors.push(err);
      return undefined as T;
    }
  };
  if (!Array.isArray(props.hosts) || props.hosts.length !== 2) {
    throw new ValidationError(
      'hosts',
      `must list exactly 2 hosts (a pglogical pair replicating both ways; the first is the primary), got ${Array.isArray(props.hosts) ? props.hosts.length : String(props.hosts)}`,
    );
  }
  const hosts = props.hosts.map((h: FailoverApiHost, i) => ({
    name: check(() => checkName(`hosts[${i}].name`, h.name)),
    version: check(() => version(`hosts[${i}].version`, h.version)),
    weight: check(() => checkInteger(`hosts[${i}].weight`, h.weight ?? (i === 0 ? 100 : 1), 1, 256)),
    machine: h.machine === undefined ? undefined : check(() => machine(`hosts[${i}].machine`, h.machine as DockerMachine, true)),
    image: h.image,
  }));
  if (hosts.every((h) => h.name !== undefined)) {
    check(() =>
      checkUniqueNames(
        'hosts',
        hosts.map((h) => h.name),
      ),
    );
  }
  const withMachine = props.hosts.filter((h) => h.machine !== undefined).length;
  const multiHost = withMachine > 0 || props.loadBalancer !== undefined;
  if (multiHost && (withMachine !== props.hosts.length || props.loadBalancer === undefined)) {
    errors.push(
      new ValidationError(
        withMachine !== props.hosts.length ? 'hosts[].machine' : 'loadBalancer',
        'the multi-host topology needs a machine for every host and for loadBalancer; give all of them, or none for the single-host topology',
      ),
    );
  }
  if (multiHost && props.provider !== undefined) {
    errors.push(new ValidationError('provider', 'is for the single-host topology only; the multi-host topology makes one provider per machine'));
  }
  if (props.loadBalancer) {
    check(() => machine('loadBalancer', props.loadBalancer as DockerMachine, false));
  }
  check(() => resolveDatabaseSchema('schema', props.schema)); // here, so a bad migration names this FailoverApi
  // The props the child constructs render, checked here too, so their errors join the others'.
  check(() =>
    resolveHaproxyProps({
      strategy: props.strategy,
      servers: props.hosts.map((_, i) => ({ name: `server${i + 1}`, address: '127.0.0.1', port: 8080 })),
      healthCheck: props.healthCheck,
      limits: props.limits,
      timeouts: props.timeouts,
      retries: props.retries,
      failureHandling: props.failureHandling,
    }),
  );
  check(() =>
    resolveBdrNodeConfig({
      local: { name: 'server1', host: '127.0.0.1' },
      peer: { name: 'server2', host: '127.0.0.2' },
      apiAddresses: ['127.0.0.1'],
      maxSlotWalKeepSizeMb: props.maxSlotWalKeepSizeMb,
      divergenceCheckIntervalSeconds: props.divergenceCheckIntervalSeconds,
    }),
  );
  check(() => checkSecret('apiPassword', props.apiPassword));
  check(() => checkSecret('replicationPassword', props.replicationPassword));
  const resolved: ResolvedFailoverApiProps = {
    hosts,
    apiContainer: check(() => apiContainer(props.apiContainer)),
    baseImages: check(() => baseImages(props.baseImages)),
    multiHost,
    strategy: check(() => checkOneOf('strategy', props.strategy ?? FailoverStrategy.WEIGHTED_STICK, FAILOVER_STRATEGIES)),
    frontendPort: check(() => checkPort('frontendPort', props.frontendPort ?? 8080)),
    apiPort: check(() => checkPort('apiPort', props.apiPort ?? 8080)),
    postgresPort: check(() => checkPort('postgresPort', props.postgresPort ?? 5432)),
    namePrefix: check(() => checkName('namePrefix', props.namePrefix ?? 'failover-api')),
    networkSubnet: check(() => checkCidr('networkSubnet', props.networkSubnet ?? '172.28.0.0/24')),
  };
  if (errors.length > 0) {
    throw ValidationError.all(errors);
  }
  return resolved;
}
