import { isIP } from 'node:net';
import { checkBoolean, checkCidr, checkHost, checkInteger, checkName, checkOneOf, checkPattern, checkPort } from '../validation/checks';
import { ValidationError } from '../validation/validation-error';
import { BdrNodeConfig, PgAuthMethod, PgEndpoint } from './bdr-node-config';

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
  readonly localAuthMethod: PgAuthMethod;
  readonly outputPluginAllowlist: boolean;
  readonly replicationCapacity: number;
}

const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_IDENTIFIER_ALLOWED = 'a lowercase SQL identifier: letters, digits and _, at most 63, not starting with a digit';
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
    throw new ValidationError('peerAddresses', `must be given when peer.host is a DNS name (${JSON.stringify(peer.host)}): list the addresses or CIDR blocks the peer connects from`);
  }
  const ident = (field: string, value: unknown) => checkPattern(field, value, PG_IDENTIFIER, PG_IDENTIFIER_ALLOWED);
  return {
    local,
    peer,
    peerAddresses: cidrList('peerAddresses', props.peerAddresses ?? peerDefault),
    apiAddresses: cidrList('apiAddresses', props.apiAddresses),
    listenAddresses: checkPattern('listenAddresses', props.listenAddresses ?? '*', LISTEN, "'*' or a comma-separated list of addresses"),
    listenPort: checkPort('listenPort', props.listenPort ?? 5432),
    database: ident('database', props.database ?? 'api'),
    apiUser: ident('apiUser', props.apiUser ?? 'api'),
    replicationUser: ident('replicationUser', props.replicationUser ?? 'replicator'),
    localAuthMethod: checkOneOf('localAuthMethod', props.localAuthMethod ?? PgAuthMethod.PEER, Object.values(PgAuthMethod)),
    outputPluginAllowlist: checkBoolean('outputPluginAllowlist', props.outputPluginAllowlist ?? false),
    replicationCapacity: checkInteger('replicationCapacity', props.replicationCapacity ?? 10, 4, 1000),
  };
}
