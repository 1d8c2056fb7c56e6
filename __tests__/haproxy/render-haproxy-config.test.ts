import {
  ApiEnvironmentContract,
  apiEnvironmentVariables,
  FailoverStrategy,
  HaproxyConfig,
  HaproxyConfigProps,
  renderApiEnvironment,
  renderHaproxyConfig,
  SelfDrain,
  selfDrainTimings,
} from '../../lib';
import { expectValidHaproxyConfig } from '../support/haproxy-check';

const SEED_SERVERS = [
  { name: 'server1', address: '10.0.0.5', port: 8080 },
  { name: 'server2', address: '10.0.0.6', port: 8080 },
];

function backendLines(config: string): string[] {
  const start = config.indexOf('\nbackend api_backend\n');
  expect(start).toBeGreaterThanOrEqual(0);
  return config
    .slice(start + 1)
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function frontendLines(config: string): string[] {
  const section = /\nfrontend api_frontend\n([\s\S]*?)\n\n/.exec(config);
  expect(section).not.toBeNull();
  return (section?.[1] ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function render(props: Partial<HaproxyConfigProps> = {}): string {
  const config = HaproxyConfig.render({ servers: SEED_SERVERS, ...props });
  expectValidHaproxyConfig(config);
  return config;
}

describe('HaproxyConfig.render', () => {
  test("defaults to weighted-stick: the article's final backend, with redispatch on every retry and the failure handling", () => {
    expect(backendLines(render())).toEqual([
      'balance roundrobin',
      'option forwardfor except 127.0.0.1',
      'option redispatch 1',
      'option httpchk GET /check.txt HTTP/1.0',
      'http-check send hdr X-Failover-Check haproxy',
      'http-check disable-on-404',
      'option http-buffer-request',
      'retry-on conn-failure empty-response response-timeout 503',
      'acl replay_safe method GET HEAD PUT DELETE OPTIONS',
      'http-request disable-l7-retry unless replay_safe',
      'stick match dst_port',
      'stick-table type integer size 100 expire 96h',
      'default-server inter 5000 fastinter 500 fall 3 rise 2 observe layer4 error-limit 3 on-error mark-down maxconn 10',
      'server server1 10.0.0.5:8080 check weight 100',
      'server server2 10.0.0.6:8080 check weight 1',
    ]);
  });

  test("failover strategies default to LAN timeouts: connect 500 ms, 2000 ms per try; backup keeps the article's", () => {
    expect(render()).toContain('    timeout connect 500ms\n    timeout client 30000ms\n    timeout server 2000ms\n');
    expect(render({ strategy: FailoverStrategy.PRIMARY_FIRST })).toContain('    timeout connect 500ms\n');
    expect(render({ strategy: FailoverStrategy.BACKUP })).toContain(
      '    timeout connect 5000ms\n    timeout client 30000ms\n    timeout server 30000ms\n',
    );
  });

  test('each part of the failure handling can be turned off', () => {
    const lines = backendLines(
      render({ failureHandling: { retryReplaySafeRequests: false, errorLimit: 0, drainOn404: false, fastIntervalMs: 1000 } }),
    );
    expect(lines).toContain('default-server inter 5000 fastinter 1000 fall 3 rise 2 maxconn 10');
    for (const gone of ['retry-on', 'disable-l7-retry', 'disable-on-404', 'observe', 'http-buffer-request']) {
      expect(lines.join('\n')).not.toContain(gone);
    }
  });

  test('a server-state file is saved to and loaded across reloads', () => {
    const config = render({ serverStateFile: '/var/lib/haproxy/server-state' });
    expect(config).toContain('    server-state-file /var/lib/haproxy/server-state\n');
    expect(backendLines(config)).toContain('load-server-state-from-file global');
  });

  test("backup is the article's first config: the secondary marked backup, no stick table", () => {
    expect(backendLines(render({ strategy: FailoverStrategy.BACKUP }))).toEqual([
      'balance roundrobin',
      'option forwardfor except 127.0.0.1',
      'option redispatch',
      'option httpchk GET /check.txt HTTP/1.0',
      'default-server inter 5000 fall 3 rise 2',
      'server server1 10.0.0.5:8080 check',
      'server server2 10.0.0.6:8080 check backup',
    ]);
  });

  test('primary-first keeps both servers active with balance first, redispatch and the failure handling', () => {
    expect(backendLines(render({ strategy: FailoverStrategy.PRIMARY_FIRST }))).toEqual([
      'balance first',
      'option forwardfor except 127.0.0.1',
      'option redispatch 1',
      'option httpchk GET /check.txt HTTP/1.0',
      'http-check send hdr X-Failover-Check haproxy',
      'http-check disable-on-404',
      'option http-buffer-request',
      'retry-on conn-failure empty-response response-timeout 503',
      'acl replay_safe method GET HEAD PUT DELETE OPTIONS',
      'http-request disable-l7-retry unless replay_safe',
      'default-server inter 5000 fastinter 500 fall 3 rise 2 observe layer4 error-limit 3 on-error mark-down maxconn 10',
      'server server1 10.0.0.5:8080 check',
      'server server2 10.0.0.6:8080 check',
    ]);
  });

  test('defaults: frontend 0.0.0.0:80, 3 retries, no runtime API, no resolvers', () => {
    const config = render();
    expect(config).toContain('frontend api_frontend\n    bind 0.0.0.0:80\n    maxconn 4000\n');
    expect(render({ strategy: FailoverStrategy.BACKUP })).toContain(
      'frontend api_frontend\n    bind 0.0.0.0:80\n    http-after-response set-header keep-alive "timeout=29"\n    default_backend api_backend',
    );
    expect(config).toContain('    retries 3\n');
    expect(config).not.toContain('stats socket');
    expect(config).not.toContain('resolvers');
  });

  test('runtime API renders an admin-level stats socket', () => {
    expect(render({ runtimeApi: { socketPath: '/run/haproxy/admin.sock' } })).toContain(
      '    stats socket /run/haproxy/admin.sock mode 600 level admin expose-fd listeners\n',
    );
  });

  test('DNS resolver follows replaced containers: resolvers section and init-addr on every server', () => {
    const config = render({
      servers: [
        { name: 'server1', address: 'api-server1', port: 8080 },
        { name: 'server2', address: 'api-server2', port: 8080 },
      ],
      dnsResolver: {},
    });
    expect(config).toContain('resolvers dns\n    nameserver ns1 127.0.0.11:53\n');
    // A replaced container's old address is dropped as soon as the name answers with the new one; a 10 s hold
    // kept HAProxy checking the dead address, and the server came back UP 4 to 5 s after it was healthy.
    expect(config).toContain('    hold nx 10000ms\n');
    expect(config).toContain('    hold obsolete 0ms\n');
    expect(config).toContain(
      'default-server inter 5000 fastinter 500 fall 3 rise 2 observe layer4 error-limit 3 on-error mark-down maxconn 10 resolvers dns init-addr last,libc,none',
    );
    expect(config).toContain('server server1 api-server1:8080 check weight 100');
  });

  test('detection counts failed connects only: an answer, even a 500, never marks a server down', () => {
    const config = render();
    expect(config).toContain(' observe layer4 error-limit 3 on-error mark-down');
    expect(config).not.toContain('layer7');
  });

  test('limits a single client meets: timeouts, maxconn, queue, header and body sizes, chunked bodies', () => {
    const config = render();
    expect(config).toContain('    timeout http-request 5000ms\n    timeout http-keep-alive 10000ms\n    timeout queue 2000ms\n');
    expect(frontendLines(config)).toEqual([
      'bind 0.0.0.0:80',
      'maxconn 4000',
      'http-request return status 411 content-type text/plain string "send the body with a Content-Length" if { req.hdr_cnt(transfer-encoding) gt 0 }',
      'http-request return status 431 content-type text/plain string "request headers too large" if { req.hdrs,length gt 8192 }',
      'http-request deny deny_status 413 if { req.hdr_val(content-length) gt 1048576 }',
      'http-after-response set-header keep-alive "timeout=9"',
      'default_backend api_backend',
    ]);
    expect(backendLines(config).find((l) => l.startsWith('default-server'))).toMatch(/ maxconn 10$/);
  });

  test("every answer advertises HAProxy's own idle timeout less a second, not the API's", () => {
    const hint = (config: string) => frontendLines(config).filter((l) => l.includes('keep-alive'));
    // The idle timeout is `timeout http-keep-alive` where limits render it, else `timeout client`.
    expect(hint(render())).toEqual(['http-after-response set-header keep-alive "timeout=9"']);
    expect(hint(render({ limits: { keepAliveTimeoutMs: 2500 } }))).toEqual(['http-after-response set-header keep-alive "timeout=1"']);
    expect(hint(render({ strategy: FailoverStrategy.BACKUP, timeouts: { clientMs: 60_000 } }))).toEqual([
      'http-after-response set-header keep-alive "timeout=59"',
    ]);
    // Under two seconds there is no second to spare: 0 tells a client not to reuse the connection.
    expect(hint(render({ limits: { keepAliveTimeoutMs: 1500 } }))).toEqual(['http-after-response set-header keep-alive "timeout=0"']);
    expectValidHaproxyConfig(render());
  });

  test('limits are configurable; a per-client rate limit is off by default and answers 429', () => {
    const config = render({
      limits: {
        requestTimeoutMs: 3000,
        keepAliveTimeoutMs: 4000,
        queueTimeoutMs: 500,
        frontendMaxConnections: 100,
        serverMaxConnections: 20,
        maxHeaderBytes: 4096,
        maxBodyBytes: 65536,
        allowChunkedRequests: true,
        requestsPerSecondPerClient: 50,
      },
    });
    expect(config).toContain('    timeout http-request 3000ms\n    timeout http-keep-alive 4000ms\n    timeout queue 500ms\n');
    expect(frontendLines(config)).toEqual([
      'bind 0.0.0.0:80',
      'maxconn 100',
      'http-request return status 431 content-type text/plain string "request headers too large" if { req.hdrs,length gt 4096 }',
      'http-request deny deny_status 413 if { req.hdr_val(content-length) gt 65536 }',
      'stick-table type ip size 100k expire 30s store http_req_rate(10s)',
      'http-request track-sc0 src',
      'http-request deny deny_status 429 if { sc_http_req_rate(0) gt 500 }',
      'http-after-response set-header keep-alive "timeout=3"',
      'default_backend api_backend',
    ]);
    expect(config).toContain(' maxconn 20');
    expect(render()).not.toContain('sc_http_req_rate');
    expectValidHaproxyConfig(config);
  });

  test('health check, timeouts, frontend and weights are configurable', () => {
    const config = render({
      servers: [
        { ...SEED_SERVERS[0], weight: 200 },
        { ...SEED_SERVERS[1], weight: 2 },
      ],
      frontend: { address: '127.0.0.1', port: 8443 },
      healthCheck: { path: '/healthz?deep=1', intervalMs: 250, fall: 2, rise: 1, timeoutMs: 500 },
      timeouts: { connectMs: 1000, clientMs: 2000, serverMs: 3000 },
      retries: 5,
      accessLog: false,
      forwardForExcept: '10.0.0.0/8',
    });
    expect(config).toContain('bind 127.0.0.1:8443');
    expect(config).toContain('option httpchk GET /healthz?deep=1 HTTP/1.0');
    expect(config).toContain('default-server inter 250 fastinter 500 fall 2 rise 1 ');
    expect(config).toContain('timeout connect 1000ms\n    timeout client 2000ms\n    timeout server 3000ms\n    timeout check 500ms');
    expect(config).toContain('retries 5');
    expect(config).toContain('option forwardfor except 10.0.0.0/8');
    expect(config).toContain('server server1 10.0.0.5:8080 check weight 200');
    expect(config).not.toContain('httplog');
  });

  test('more than two servers: weighted-stick gives every secondary weight 1, backup marks them all backup', () => {
    const three = [...SEED_SERVERS, { name: 'server3', address: '10.0.0.7', port: 8080 }];
    expect(render({ servers: three })).toContain('server server3 10.0.0.7:8080 check weight 1');
    expect(render({ servers: three, strategy: FailoverStrategy.BACKUP })).toContain('server server3 10.0.0.7:8080 check backup');
  });

  test('IPv6 addresses are bracketed', () => {
    const config = render({ servers: [{ name: 'a', address: '::1', port: 8080 }, SEED_SERVERS[1]], frontend: { address: '::', port: 8080 } });
    expect(config).toContain('server a [::1]:8080 check');
    expect(config).toContain('bind [::]:8080');
  });

  test('is deterministic', () => {
    expect(HaproxyConfig.render({ servers: SEED_SERVERS })).toBe(HaproxyConfig.render({ servers: SEED_SERVERS }));
  });

  test('the deprecated free functions give what the static methods give, until 0.3.0', () => {
    const props = { strategy: FailoverStrategy.PRIMARY_FIRST, servers: SEED_SERVERS, healthCheck: { intervalMs: 1000 } };
    expect(renderHaproxyConfig(props)).toBe(HaproxyConfig.render(props));
    expect(selfDrainTimings(props)).toEqual(SelfDrain.timings(props));
    expect(selfDrainTimings()).toEqual(SelfDrain.timings());
    const contract = {
      host: '0.0.0.0',
      port: 8080,
      serverName: 'server1',
      version: 'v1',
      databaseUrl: 'postgres://db',
      healthPath: '/check.txt',
      drainTimeoutMs: 30_000,
      drainQuietMs: 500,
      shutdownGraceMs: 10_000,
    };
    expect(renderApiEnvironment(contract)).toEqual(ApiEnvironmentContract.render(contract));
    expect(apiEnvironmentVariables(contract)).toEqual(ApiEnvironmentContract.variables(contract));
    expect(ApiEnvironmentContract.render(contract)).toContain('SERVER_NAME=server1');
  });
});
