import { isIP } from 'node:net';
import { checkBoolean, checkCidr, checkHost, checkInteger, checkName, checkOneOf, checkPattern, checkPort } from '../validation/checks';
import { ValidationError } from '../validation/validation-error';
import { BdrNodeConfig, PgAuthMethod, PgEndpoint } from './bdr-node-config';
import { PG_IDENTIFIER, PG_IDENTIFIER_ALLOWED, ResolvedDatabaseSchema, resolveDatabaseSchema } from './resolve-database-schema';

/** Props after validation, with defaults filled in. Internal to the renderers. */
export interface ResolvedBdrNode {
  readonly local: Required<PgEndpoint>;
  readonly peer: Required<PgEndpoint>;
  readonly peerAddresses: string[];
  readonly apiAddresses: string[];
  readonly listenAddresses: string;
  readonly listenPort: number;
  readonly database: string;
  readonly apiUser: string;
  readonly replicationUser: string;
  readonly ownerUser: string;
  readonly schema: ResolvedDatabaseSchema;
  /** Per-node offset of key sequences: values ≡ this (mod INCREMENT), different on the two nodes. */
  readonly sequenceResidue: number;
  readonly localAuthMethod: PgAuthMethod;
  readonly outputPluginAllowlist: boolean;
  readonly replicationCapacity: number;
  readonly maxSlotWalKeepSizeMb: number;
  readonly divergenceCheckIntervalSeconds: number;
  readonly resyncDrainSeconds: number;
}

/** The roles' and the database's names when the props leave them out: the one place they are defaulted. */
export const BDR_NODE_DEFAULTS = {
  apiUser: 'api',
  replicationUser: 'replicator',
  ownerUser: 'api_owner',
  database: 'api',
  resyncDrainSeconds: 18,
} as const;

const LISTEN = /^(\*|[0-9A-Za-z.:-]+(,[0-9A-Za-z.:-]+)*)$/;

function endpoint(field: string, value: PgEndpoint | undefined): Required<PgEndpoint> {
  if (value === null || typeof value !== 'object') {
    throw new ValidationError(field, 'must be an object { name, host, port? }');
  }
  return {
    name: checkName(`${field}.name`, value.name),
    host: checkHost(`${field}.host`, value.host),
    port: checkPort(`${field}.port`, value.port ?? 5432),
  };
}

function cidrList(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(field, 'must list at least one IP address or CIDR block');
  }
  return value.map((v, i) => checkCidr(`${field}[${i}]`, v));
}

// -1 (no limit), or at least one 16 MiB WAL segment.
function walKeepSize(value: unknown): number {
  if (value === -1 || (typeof value === 'number' && Number.isInteger(value) && value >= 16 && value <= 16_777_216)) {
    return value;
  }
  throw new ValidationError(
    'maxSlotWalKeepSizeMb',
    `must be -1 (no limit) or an integer from 16 (one WAL segment) to 16777216, got ${String(value)}`,
  );
}

export function resolveBdrNodeConfig(props: BdrNodeConfig): ResolvedBdrNode {
  if (props.local !== undefined && props.self !== undefined) {
    throw new ValidationError('self', 'is the deprecated name of local: give local only');
  }
  const local = endpoint('local', props.local ?? props.self);
  const peer = endpoint('peer', props.peer);
  if (local.name === peer.name) {
    throw new ValidationError('peer.name', `must differ from local.name, both are ${JSON.stringify(local.name)}`);
  }
  const peerDefault = isIP(peer.host) !== 0 ? [peer.host] : undefined;
  if (props.peerAddresses === undefined && peerDefault === undefined) {
    throw new ValidationError(
      'peerAddresses',
      `must be given when peer.host is a DNS name (${JSON.stringify(peer.host)}): list the addresses or CIDR blocks the peer connects from`,
    );
  }
  const ident = (field: string, value: unknown) => checkPattern(field, value, PG_IDENTIFIER, PG_IDENTIFIER_ALLOWED);
  const roles = {
    apiUser: ident('apiUser', props.apiUser ?? BDR_NODE_DEFAULTS.apiUser),
    replicationUser: ident('replicationUser', props.replicationUser ?? BDR_NODE_DEFAULTS.replicationUser),
    ownerUser: ident('ownerUser', props.ownerUser ?? BDR_NODE_DEFAULTS.ownerUser),
  };
  const byName = new Map<string, string>();
  for (const [field, role] of Object.entries(roles)) {
    const other = byName.get(role);
    if (other !== undefined || role === 'postgres') {
      throw new ValidationError(
        field,
        `must differ from ${other ?? 'the superuser'}, both are ${JSON.stringify(role)}: each role has its own rights`,
      );
    }
    byName.set(role, field);
  }
  return {
    local,
    peer,
    peerAddresses: cidrList('peerAddresses', props.peerAddresses ?? peerDefault),
    apiAddresses: cidrList('apiAddresses', props.apiAddresses),
    listenAddresses: checkPattern('listenAddresses', props.listenAddresses ?? '*', LISTEN, "'*' or a comma-separated list of addresses"),
    listenPort: checkPort('listenPort', props.listenPort ?? 5432),
    database: ident('database', props.database ?? BDR_NODE_DEFAULTS.database),
    ...roles,
    schema: resolveDatabaseSchema('schema', props.schema),
    // Any rule works that gives the two nodes different residues; names are all both nodes know alike.
    sequenceResidue: local.name < peer.name ? 1 : 0,
    localAuthMethod: checkOneOf('localAuthMethod', props.localAuthMethod ?? PgAuthMethod.PEER, Object.values(PgAuthMethod)),
    outputPluginAllowlist: checkBoolean('outputPluginAllowlist', props.outputPluginAllowlist ?? false),
    replicationCapacity: checkInteger('replicationCapacity', props.replicationCapacity ?? 10, 4, 1000),
    maxSlotWalKeepSizeMb: walKeepSize(props.maxSlotWalKeepSizeMb ?? 10240),
    divergenceCheckIntervalSeconds: checkInteger('divergenceCheckIntervalSeconds', props.divergenceCheckIntervalSeconds ?? 600, 0, 86_400),
    resyncDrainSeconds: checkInteger('resyncDrainSeconds', props.resyncDrainSeconds ?? BDR_NODE_DEFAULTS.resyncDrainSeconds, 0, 3600),
  };
}
