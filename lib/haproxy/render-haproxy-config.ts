import { isIP } from 'node:net';
import { FailoverStrategy } from './failover-strategy';
import { HaproxyConfigProps } from './haproxy-config-props';
import { ResolvedHaproxyConfig, resolveHaproxyProps } from './resolve-haproxy-props';
import { SELF_DRAIN_CHECK_HEADER } from './self-drain';

/** Names the rendered config uses; the runtime API addresses servers as `api_backend/<name>`. */
export const HAPROXY_FRONTEND_NAME = 'api_frontend';
export const HAPROXY_BACKEND_NAME = 'api_backend';
const RESOLVERS_NAME = 'dns';

/** The haproxy.cfg renderer, shared by the constructs and the local runtime. */
export class HaproxyConfig {
  /** The frontend's name in the rendered config. */
  public static readonly FRONTEND_NAME = HAPROXY_FRONTEND_NAME;
  /** The backend's name; the runtime API addresses servers as `api_backend/<name>`. */
  public static readonly BACKEND_NAME = HAPROXY_BACKEND_NAME;

  /**
   * Renders a complete haproxy.cfg. Pure and deterministic: the same props give the same text.
   * Every prop is validated first; a bad one throws an error naming it.
   */
  public static render(props: HaproxyConfigProps): string {
    return render(props);
  }

  private constructor() {}
}

/** @deprecated Use `HaproxyConfig.render`; this alias goes in 0.3.0. */
export function renderHaproxyConfig(props: HaproxyConfigProps): string {
  return render(props);
}

function render(props: HaproxyConfigProps): string {
  const cfg = resolveHaproxyProps(props);
  const sections = [
    [`# Rendered by cdktf-failover-api, strategy ${cfg.strategy}. Do not edit by hand.`],
    globalSection(cfg),
    defaultsSection(cfg),
    cfg.dnsResolver ? resolversSection(cfg.dnsResolver) : [],
    [
      `frontend ${HAPROXY_FRONTEND_NAME}`,
      `    bind ${hostPort(cfg.frontend.address, cfg.frontend.port)}`,
      ...frontendLimits(cfg),
      keepAliveHint(cfg),
      `    default_backend ${HAPROXY_BACKEND_NAME}`,
    ],
    backendSection(cfg),
  ];
  return (
    sections
      .filter((lines) => lines.length > 0)
      .map((lines) => lines.join('\n'))
      .join('\n\n') + '\n'
  );
}

function globalSection(cfg: ResolvedHaproxyConfig): string[] {
  return [
    'global',
    `    maxconn ${cfg.maxConnections}`,
    ...(cfg.accessLog ? ['    log stdout format raw local0'] : []),
    // expose-fd lets a master-worker reload hand the listening sockets over: no refused connection.
    ...(cfg.socketPath ? [`    stats socket ${cfg.socketPath} mode 600 level admin expose-fd listeners`, '    stats timeout 30s'] : []),
    ...(cfg.serverStateFile ? [`    server-state-file ${cfg.serverStateFile}`] : []),
  ];
}

function defaultsSection(cfg: ResolvedHaproxyConfig): string[] {
  return [
    'defaults',
    '    mode http',
    ...(cfg.accessLog ? ['    log global', '    option httplog'] : []),
    '    option dontlognull',
    // On a reload the old worker answers each idle keep-alive connection's next request with
    // `Connection: close` rather than closing it under a client that may be sending on it.
    '    option idle-close-on-response',
    `    retries ${cfg.retries}`,
    `    timeout connect ${cfg.timeouts.connectMs}ms`,
    `    timeout client ${cfg.timeouts.clientMs}ms`,
    `    timeout server ${cfg.timeouts.serverMs}ms`,
    `    timeout check ${cfg.healthCheck.timeoutMs}ms`,
    ...(cfg.limits
      ? [
          `    timeout http-request ${cfg.limits.requestTimeoutMs}ms`,
          `    timeout http-keep-alive ${cfg.limits.keepAliveTimeoutMs}ms`,
          `    timeout queue ${cfg.limits.queueTimeoutMs}ms`,
        ]
      : []),
  ];
}

function resolversSection(dns: NonNullable<ResolvedHaproxyConfig['dnsResolver']>): string[] {
  // `hold valid` is short so a replaced container's new address is picked up within a second, and `hold obsolete`
  // is 0 so the old address is dropped as soon as the name answers with the new one (with a hold, HAProxy kept
  // checking the dead address for that long: a replaced server came back UP about 10 s late).
  return [
    `resolvers ${RESOLVERS_NAME}`,
    `    nameserver ns1 ${hostPort(dns.address, dns.port)}`,
    '    timeout resolve 1s',
    '    timeout retry 1s',
    '    hold valid 1s',
    ...['nx', 'other', 'refused', 'timeout'].map((status) => `    hold ${status} ${dns.holdMs}ms`),
    '    hold obsolete 0ms',
  ];
}

/**
 * HAProxy forwards the API's `Keep-Alive: timeout=N` (the reference API's is 65 s) but closes an idle client
 * connection after its own idle timeout. A client that trusts the hint reuses a connection HAProxy is closing
 * and gets a reset instead of an answer. So every answer, HAProxy's own included, advertises HAProxy's timeout
 * less a second, in whole seconds: a client that honours it closes first.
 */
function keepAliveHint(cfg: ResolvedHaproxyConfig): string {
  // Without `timeout http-keep-alive` (and `timeout http-request`), `timeout client` bounds an idle connection.
  const idleMs = cfg.limits?.keepAliveTimeoutMs ?? cfg.timeouts.clientMs;
  return `    http-after-response set-header keep-alive "timeout=${Math.max(0, Math.floor(idleMs / 1000) - 1)}"`;
}

function frontendLimits(cfg: ResolvedHaproxyConfig): string[] {
  const l = cfg.limits;
  if (!l) {
    return [];
  }
  return [
    `    maxconn ${l.frontendMaxConnections}`,
    // Smuggling rides on Transfer-Encoding (with a Content-Length beside it, or obfuscated). HAProxy drops the
    // Content-Length before any rule sees it, so the rule refuses a chunked request body outright.
    ...(l.allowChunkedRequests
      ? []
      : [
          '    http-request return status 411 content-type text/plain string "send the body with a Content-Length" if { req.hdr_cnt(transfer-encoding) gt 0 }',
        ]),
    // 431 has no built-in error page in 2.6, so it is a `return` rather than a `deny`.
    `    http-request return status 431 content-type text/plain string "request headers too large" if { req.hdrs,length gt ${l.maxHeaderBytes} }`,
    `    http-request deny deny_status 413 if { req.hdr_val(content-length) gt ${l.maxBodyBytes} }`,
    ...(l.requestsPerSecondPerClient === undefined
      ? []
      : [
          // Each client address's request rate over 10 s, in a table of the frontend's own.
          '    stick-table type ip size 100k expire 30s store http_req_rate(10s)',
          '    http-request track-sc0 src',
          `    http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${l.requestsPerSecondPerClient * 10} }`,
        ]),
  ];
}

/** Methods whose replay has no further effect; only these are retried once a server may have seen them. */
export const REPLAY_SAFE_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];

function backendSection(cfg: ResolvedHaproxyConfig): string[] {
  const hc = cfg.healthCheck;
  const fh = cfg.failureHandling;
  const serverDefaults = [`inter ${hc.intervalMs}`];
  if (fh) {
    serverDefaults.push(`fastinter ${fh.fastIntervalMs}`);
  }
  serverDefaults.push(`fall ${hc.fall}`, `rise ${hc.rise}`);
  if (fh && fh.errorLimit > 0) {
    // layer4: failed connects only. layer7 also counted 5xx answers, so a client could take servers down.
    serverDefaults.push('observe layer4', `error-limit ${fh.errorLimit}`, 'on-error mark-down');
  }
  if (cfg.limits) {
    serverDefaults.push(`maxconn ${cfg.limits.serverMaxConnections}`);
  }
  if (cfg.dnsResolver) {
    serverDefaults.push(`resolvers ${RESOLVERS_NAME}`, 'init-addr last,libc,none');
  }
  return [
    `backend ${HAPROXY_BACKEND_NAME}`,
    `    balance ${cfg.strategy === FailoverStrategy.PRIMARY_FIRST ? 'first' : 'roundrobin'}`,
    `    option forwardfor except ${cfg.forwardForExcept}`,
    // Every retry goes to another server at once; the article's form redispatches only on the last one.
    fh ? '    option redispatch 1' : '    option redispatch',
    `    option httpchk GET ${hc.path} HTTP/1.0`,
    ...(fh?.drainOn404
      ? [
          // Marks HAProxy's own checks, so only they end an API's self-drain (not Docker's healthcheck, nor a curl).
          `    http-check send hdr ${SELF_DRAIN_CHECK_HEADER.name} ${SELF_DRAIN_CHECK_HEADER.value}`,
          '    http-check disable-on-404',
        ]
      : []),
    ...(fh?.retryReplaySafeRequests
      ? [
          // L7 retries need the whole request in the buffer.
          '    option http-buffer-request',
          '    retry-on conn-failure empty-response response-timeout 503',
          `    acl replay_safe method ${REPLAY_SAFE_METHODS.join(' ')}`,
          '    http-request disable-l7-retry unless replay_safe',
        ]
      : []),
    ...(cfg.serverStateFile ? ['    load-server-state-from-file global'] : []),
    ...(cfg.strategy === FailoverStrategy.WEIGHTED_STICK ? ['    stick match dst_port', '    stick-table type integer size 100 expire 96h'] : []),
    `    default-server ${serverDefaults.join(' ')}`,
    ...cfg.servers.map(
      (server, i) => `    server ${server.name} ${hostPort(server.address, server.port)} check${serverSuffix(cfg.strategy, server.weight, i)}`,
    ),
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
