import { isIP } from 'node:net';
import { FailoverStrategy } from './failover-strategy';
import { HaproxyConfigProps } from './haproxy-config-props';
import { ResolvedHaproxyConfig, resolveHaproxyProps } from './resolve-haproxy-props';

/** Names the rendered config uses; the runtime API addresses servers as `api_backend/<name>`. */
export const HAPROXY_FRONTEND_NAME = 'api_frontend';
export const HAPROXY_BACKEND_NAME = 'api_backend';
const RESOLVERS_NAME = 'dns';

/**
 * Renders a complete haproxy.cfg. Pure and deterministic: the same props give the same text.
 * Every prop is validated first; a bad one throws a `ValidationError` naming it.
 */
export function renderHaproxyConfig(props: HaproxyConfigProps): string {
  const cfg = resolveHaproxyProps(props);
  const sections = [
    [`# Rendered by cdktf-failover-api, strategy ${cfg.strategy}. Do not edit by hand.`],
    globalSection(cfg),
    defaultsSection(cfg),
    cfg.dnsResolver ? resolversSection(cfg.dnsResolver) : [],
    [`frontend ${HAPROXY_FRONTEND_NAME}`, `    bind ${hostPort(cfg.frontend.address, cfg.frontend.port)}`, `    default_backend ${HAPROXY_BACKEND_NAME}`],
    backendSection(cfg),
  ];
  return sections.filter((lines) => lines.length > 0).map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

function globalSection(cfg: ResolvedHaproxyConfig): string[] {
  return [
    'global',
    `    maxconn ${cfg.maxConnections}`,
    ...(cfg.accessLog ? ['    log stdout format raw local0'] : []),
    ...(cfg.socketPath ? [`    stats socket ${cfg.socketPath} mode 600 level admin`, '    stats timeout 30s'] : []),
  ];
}

function defaultsSection(cfg: ResolvedHaproxyConfig): string[] {
  return [
    'defaults',
    '    mode http',
    ...(cfg.accessLog ? ['    log global', '    option httplog'] : []),
    '    option dontlognull',
    `    retries ${cfg.retries}`,
    `    timeout connect ${cfg.timeouts.connectMs}ms`,
    `    timeout client ${cfg.timeouts.clientMs}ms`,
    `    timeout server ${cfg.timeouts.serverMs}ms`,
    `    timeout check ${cfg.healthCheck.timeoutMs}ms`,
  ];
}

function resolversSection(dns: NonNullable<ResolvedHaproxyConfig['dnsResolver']>): string[] {
  // `hold valid` is short so a replaced container's new address is picked up within a second.
  return [
    `resolvers ${RESOLVERS_NAME}`,
    `    nameserver ns1 ${hostPort(dns.address, dns.port)}`,
    '    timeout resolve 1s',
    '    timeout retry 1s',
    '    hold valid 1s',
    ...['nx', 'other', 'refused', 'timeout', 'obsolete'].map((status) => `    hold ${status} ${dns.holdMs}ms`),
  ];
}

function backendSection(cfg: ResolvedHaproxyConfig): string[] {
  const hc = cfg.healthCheck;
  const serverDefaults = [`inter ${hc.intervalMs}`, `fall ${hc.fall}`, `rise ${hc.rise}`];
  if (cfg.dnsResolver) {
    serverDefaults.push(`resolvers ${RESOLVERS_NAME}`, 'init-addr last,libc,none');
  }
  return [
    `backend ${HAPROXY_BACKEND_NAME}`,
    `    balance ${cfg.strategy === FailoverStrategy.PRIMARY_FIRST ? 'first' : 'roundrobin'}`,
    `    option forwardfor except ${cfg.forwardForExcept}`,
    '    option redispatch',
    `    option httpchk GET ${hc.path} HTTP/1.0`,
    ...(cfg.strategy === FailoverStrategy.WEIGHTED_STICK
      ? ['    stick match dst_port', '    stick-table type integer size 100 expire 96h']
      : []),
    `    default-server ${serverDefaults.join(' ')}`,
    ...cfg.servers.map((server, i) => `    server ${server.name} ${hostPort(server.address, server.port)} check${serverSuffix(cfg.strategy, server.weight, i)}`),
  ];
}

function serverSuffix(strategy: FailoverStrategy, weight: number, index: number): string {
  switch (strategy) {
    case FailoverStrategy.WEIGHTED_STICK:
      return ` weight ${weight}`;
    case FailoverStrategy.BACKUP:
      return index === 0 ? '' : ' backup';
    case FailoverStrategy.PRIMARY_FIRST:
      return '';
  }
}

function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
