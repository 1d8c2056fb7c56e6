import {
  checkBoolean,
  checkCidr,
  checkHost,
  checkInteger,
  checkIp,
  checkName,
  checkOneOf,
  checkPattern,
  checkPort,
  checkUniqueNames,
} from '../validation/checks';
import { ValidationError } from '../validation/validation-error';
import { FAILOVER_STRATEGIES, FailoverStrategy } from './failover-strategy';
import { HaproxyConfigProps, HaproxyHealthCheck } from './haproxy-config-props';

/** Props after validation, with every default filled in. Internal to the renderer. */
export interface ResolvedHaproxyConfig {
  readonly strategy: FailoverStrategy;
  readonly servers: { name: string; address: string; port: number; weight: number }[];
  readonly frontend: { address: string; port: number };
  readonly healthCheck: { path: string; intervalMs: number; fall: number; rise: number; timeoutMs: number };
  readonly socketPath?: string;
  readonly dnsResolver?: { address: string; port: number; holdMs: number };
  readonly timeouts: { connectMs: number; clientMs: number; serverMs: number };
  readonly retries: number;
  /** Absent under the backup strategy, which renders the HAProxy article's textbook config. */
  readonly failureHandling?: { retryReplaySafeRequests: boolean; errorLimit: number; fastIntervalMs: number; drainOn404: boolean };
  /** Absent under the backup strategy, like failureHandling. */
  readonly limits?: {
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    frontendMaxConnections: number;
    serverMaxConnections: number;
    queueTimeoutMs: number;
    maxHeaderBytes: number;
    maxBodyBytes: number;
    allowChunkedRequests: boolean;
    requestsPerSecondPerClient?: number;
  };
  readonly serverStateFile?: string;
  readonly maxConnections: number;
  readonly forwardForExcept: string;
  readonly accessLog: boolean;
}

// RFC 3986 path and query characters, minus quotes, backslash and '#' (HAProxy would read those as syntax).
const HEALTH_PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*$/;
const SOCKET_PATH = /^\/[A-Za-z0-9._/-]{1,100}$/;
const ONE_DAY_MS = 86_400_000;

/** The health check when a prop is left out: the article's interval and path, HAProxy's fall and rise. */
export const HEALTH_CHECK_DEFAULTS = { path: '/check.txt', intervalMs: 5000, fall: 3, rise: 2, timeoutMs: 2000 } as const;

/**
 * Seconds HAProxy may take to mark a server DOWN once its health check fails: `fall` checks `interval` apart,
 * plus the last one's timeout, rounded up, and a second to spare. A node that must drain before it empties its
 * tables (a resync) waits this long.
 */
export function healthCheckDetectionSeconds(hc: HaproxyHealthCheck | undefined): number {
  const d = HEALTH_CHECK_DEFAULTS;
  return Math.ceil(((hc?.fall ?? d.fall) * (hc?.intervalMs ?? d.intervalMs) + (hc?.timeoutMs ?? d.timeoutMs)) / 1000) + 1;
}

function checkMs(field: string, value: unknown): number {
  return checkInteger(field, value, 1, ONE_DAY_MS);
}

/** Validates every prop before anything is rendered, so no value can change the config's structure. */
export function resolveHaproxyProps(props: HaproxyConfigProps): ResolvedHaproxyConfig {
  if (props === null || typeof props !== 'object') {
    throw new ValidationError('props', 'must be an object with at least `servers`');
  }
  const strategy = checkOneOf('strategy', props.strategy ?? FailoverStrategy.WEIGHTED_STICK, FAILOVER_STRATEGIES);
  if (!Array.isArray(props.servers) || props.servers.length < 2) {
    throw new ValidationError(
      'servers',
      `must list at least 2 servers (the first is the primary), got ${Array.isArray(props.servers) ? props.servers.length : String(props.servers)}`,
    );
  }
  const servers = props.servers.map((server, i) => {
    const at = `servers[${i}]`;
    if (server === null || typeof server !== 'object') {
      throw new ValidationError(at, 'must be an object { name, address, port }');
    }
    return {
      name: checkName(`${at}.name`, server.name),
      address: checkHost(`${at}.address`, server.address),
      port: checkPort(`${at}.port`, server.port),
      weight: checkInteger(`${at}.weight`, server.weight ?? (i === 0 ? 100 : 1), 1, 256),
    };
  });
  checkUniqueNames(
    'servers',
    servers.map((s) => s.name),
  );

  const hc = props.healthCheck ?? {};
  const timeouts = props.timeouts ?? {};
  const dns = props.dnsResolver;
  const textbook = strategy === FailoverStrategy.BACKUP;
  if (textbook && props.failureHandling !== undefined) {
    throw new ValidationError(
      'failureHandling',
      "does not apply to the 'backup' strategy, which renders the HAProxy article's textbook config; use 'weighted-stick' or 'primary-first', or leave failureHandling out",
    );
  }
  const fh = props.failureHandling ?? {};
  if (textbook && props.limits !== undefined) {
    throw new ValidationError(
      'limits',
      "does not apply to the 'backup' strategy, which renders the HAProxy article's textbook config; use 'weighted-stick' or 'primary-first', or leave limits out",
    );
  }
  const lim = props.limits ?? {};
  const maxConnections = checkInteger('maxConnections', props.maxConnections ?? 4096, 1, 1_000_000);
  return {
    strategy,
    servers,
    frontend: {
      address: checkIp('frontend.address', props.frontend?.address ?? '0.0.0.0'),
      port: checkPort('frontend.port', props.frontend?.port ?? 80),
    },
    healthCheck: {
      path: checkPattern(
        'healthCheck.path',
        hc.path ?? HEALTH_CHECK_DEFAULTS.path,
        HEALTH_PATH,
        "a URL path starting with '/', without whitespace, control characters, quotes, backslashes or '#'",
      ),
      intervalMs: checkMs('healthCheck.intervalMs', hc.intervalMs ?? HEALTH_CHECK_DEFAULTS.intervalMs),
      fall: checkInteger('healthCheck.fall', hc.fall ?? HEALTH_CHECK_DEFAULTS.fall, 1, 100),
      rise: checkInteger('healthCheck.rise', hc.rise ?? HEALTH_CHECK_DEFAULTS.rise, 1, 100),
      timeoutMs: checkMs('healthCheck.timeoutMs', hc.timeoutMs ?? HEALTH_CHECK_DEFAULTS.timeoutMs),
    },
    socketPath:
      props.runtimeApi === undefined
        ? undefined
        : checkPattern(
            'runtimeApi.socketPath',
            props.runtimeApi?.socketPath,
            SOCKET_PATH,
            'an absolute path of letters, digits, ., _, - and /, at most 101 characters',
          ),
    dnsResolver:
      dns === undefined
        ? undefined
        : {
            address: checkIp('dnsResolver.address', dns.address ?? '127.0.0.11'),
            port: checkPort('dnsResolver.port', dns.port ?? 53),
            holdMs: checkMs('dnsResolver.holdMs', dns.holdMs ?? 10_000),
          },
    timeouts: {
      connectMs: checkMs('timeouts.connectMs', timeouts.connectMs ?? (textbook ? 5000 : 500)),
      clientMs: checkMs('timeouts.clientMs', timeouts.clientMs ?? 30_000),
      serverMs: checkMs('timeouts.serverMs', timeouts.serverMs ?? (textbook ? 30_000 : 2000)),
    },
    retries: checkInteger('retries', props.retries ?? 3, 0, 100),
    failureHandling: textbook
      ? undefined
      : {
          retryReplaySafeRequests: checkBoolean('failureHandling.retryReplaySafeRequests', fh.retryReplaySafeRequests ?? true),
          errorLimit: checkInteger('failureHandling.errorLimit', fh.errorLimit ?? 3, 0, 1000),
          fastIntervalMs: checkMs('failureHandling.fastIntervalMs', fh.fastIntervalMs ?? 500),
          drainOn404: checkBoolean('failureHandling.drainOn404', fh.drainOn404 ?? true),
        },
    limits: textbook
      ? undefined
      : {
          requestTimeoutMs: checkMs('limits.requestTimeoutMs', lim.requestTimeoutMs ?? 5000),
          keepAliveTimeoutMs: checkMs('limits.keepAliveTimeoutMs', lim.keepAliveTimeoutMs ?? 10_000),
          frontendMaxConnections: checkInteger(
            'limits.frontendMaxConnections',
            lim.frontendMaxConnections ?? Math.min(4000, maxConnections),
            1,
            maxConnections,
          ),
          serverMaxConnections: checkInteger('limits.serverMaxConnections', lim.serverMaxConnections ?? 10, 1, 100_000),
          queueTimeoutMs: checkMs('limits.queueTimeoutMs', lim.queueTimeoutMs ?? 2000),
          maxHeaderBytes: checkInteger('limits.maxHeaderBytes', lim.maxHeaderBytes ?? 8192, 256, 15_360),
          maxBodyBytes: checkInteger('limits.maxBodyBytes', lim.maxBodyBytes ?? 1_048_576, 0, 2_147_483_647),
          allowChunkedRequests: checkBoolean('limits.allowChunkedRequests', lim.allowChunkedRequests ?? false),
          requestsPerSecondPerClient:
            lim.requestsPerSecondPerClient === undefined
              ? undefined
              : checkInteger('limits.requestsPerSecondPerClient', lim.requestsPerSecondPerClient, 1, 100_000),
        },
    serverStateFile:
      props.serverStateFile === undefined
        ? undefined
        : checkPattern(
            'serverStateFile',
            props.serverStateFile,
            SOCKET_PATH,
            'an absolute path of letters, digits, ., _, - and /, at most 101 characters',
          ),
    maxConnections,
    forwardForExcept: checkCidr('forwardForExcept', props.forwardForExcept ?? '127.0.0.1'),
    accessLog: checkBoolean('accessLog', props.accessLog ?? true),
  };
}
