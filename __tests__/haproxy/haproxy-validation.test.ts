import { FailoverStrategy, HaproxyConfigProps, HaproxyConfig } from '../../lib';
import { ValidationError } from '../../lib/node-runtime';

const ok = [
  { name: 'server1', address: '10.0.0.5', port: 8080 },
  { name: 'server2', address: '10.0.0.6', port: 8080 },
];
const withServer1 = (patch: object): HaproxyConfigProps => ({ servers: [{ ...ok[0], ...patch }, ok[1]] });

// Each bad input and the exact error it must get: the prop's path, then what is allowed.
const BAD_INPUTS: [string, unknown, string][] = [
  ['too few servers', { servers: [ok[0]] }, 'servers: must list at least 2 servers (the first is the primary), got 1'],
  ['servers missing', {}, 'servers: must list at least 2 servers (the first is the primary), got undefined'],
  ['duplicate names', { servers: [ok[0], { ...ok[1], name: 'server1' }] }, 'servers[1].name: must be unique, but "server1" is used twice'],
  [
    'name with a space',
    withServer1({ name: 'server 1' }),
    'servers[0].name: must be 1-31 characters of lowercase letters, digits, _ and -, starting with a letter, got "server 1"',
  ],
  [
    'name with a newline',
    withServer1({ name: 's1\n    server evil 6.6.6.6:80' }),
    'servers[0].name: must be 1-31 characters of lowercase letters, digits, _ and -, starting with a letter, got "s1\\n    server evil 6.6.6.6:80"',
  ],
  [
    'name with #',
    withServer1({ name: 's1#x' }),
    'servers[0].name: must be 1-31 characters of lowercase letters, digits, _ and -, starting with a letter, got "s1#x"',
  ],
  [
    'name with a quote',
    withServer1({ name: 's1"' }),
    'servers[0].name: must be 1-31 characters of lowercase letters, digits, _ and -, starting with a letter, got "s1\\""',
  ],
  [
    'empty name',
    withServer1({ name: '' }),
    'servers[0].name: must be 1-31 characters of lowercase letters, digits, _ and -, starting with a letter, got ""',
  ],
  [
    'address with a space',
    withServer1({ address: '10.0.0.5 backup' }),
    'servers[0].address: must be an IPv4 address, an IPv6 address or a DNS hostname, got "10.0.0.5 backup"',
  ],
  ['port 0', withServer1({ port: 0 }), 'servers[0].port: must be an integer from 1 to 65535, got 0'],
  ['port 65536', withServer1({ port: 65536 }), 'servers[0].port: must be an integer from 1 to 65535, got 65536'],
  ['fractional port', withServer1({ port: 80.5 }), 'servers[0].port: must be an integer from 1 to 65535, got 80.5'],
  ['port as string', withServer1({ port: '8080' }), 'servers[0].port: must be an integer from 1 to 65535, got "8080"'],
  ['NaN port', withServer1({ port: NaN }), 'servers[0].port: must be an integer from 1 to 65535, got NaN'],
  ['weight 0', withServer1({ weight: 0 }), 'servers[0].weight: must be an integer from 1 to 256, got 0'],
  ['weight 257', withServer1({ weight: 257 }), 'servers[0].weight: must be an integer from 1 to 256, got 257'],
  [
    'failure handling under backup',
    { servers: ok, strategy: 'backup', failureHandling: {} },
    "failureHandling: does not apply to the 'backup' strategy, which renders the HAProxy article's textbook config; use 'weighted-stick' or 'primary-first', or leave failureHandling out",
  ],
  [
    'limits under backup',
    { servers: ok, strategy: 'backup', limits: {} },
    "limits: does not apply to the 'backup' strategy, which renders the HAProxy article's textbook config; use 'weighted-stick' or 'primary-first', or leave limits out",
  ],
  ['request timeout 0', { servers: ok, limits: { requestTimeoutMs: 0 } }, 'limits.requestTimeoutMs: must be an integer from 1 to 86400000, got 0'],
  [
    'frontend maxconn over the global one',
    { servers: ok, maxConnections: 100, limits: { frontendMaxConnections: 200 } },
    'limits.frontendMaxConnections: must be an integer from 1 to 100, got 200',
  ],
  [
    'header limit over the buffer',
    { servers: ok, limits: { maxHeaderBytes: 20_000 } },
    'limits.maxHeaderBytes: must be an integer from 256 to 15360, got 20000',
  ],
  [
    'rate limit 0',
    { servers: ok, limits: { requestsPerSecondPerClient: 0 } },
    'limits.requestsPerSecondPerClient: must be an integer from 1 to 100000, got 0',
  ],
  ['chunked flag as string', { servers: ok, limits: { allowChunkedRequests: 'no' } }, 'limits.allowChunkedRequests: must be true or false, got "no"'],
  [
    'negative error limit',
    { servers: ok, failureHandling: { errorLimit: -1 } },
    'failureHandling.errorLimit: must be an integer from 0 to 1000, got -1',
  ],
  [
    'fastinter 0',
    { servers: ok, failureHandling: { fastIntervalMs: 0 } },
    'failureHandling.fastIntervalMs: must be an integer from 1 to 86400000, got 0',
  ],
  [
    'retries flag as string',
    { servers: ok, failureHandling: { retryReplaySafeRequests: 'yes' } },
    'failureHandling.retryReplaySafeRequests: must be true or false, got "yes"',
  ],
  [
    'relative server-state file',
    { servers: ok, serverStateFile: 'state' },
    'serverStateFile: must be an absolute path of letters, digits, ., _, - and /, at most 101 characters, got "state"',
  ],
  [
    'unknown strategy',
    { servers: ok, strategy: 'active-passive' },
    "strategy: must be one of 'weighted-stick', 'primary-first', 'backup', got \"active-passive\"",
  ],
  [
    'health path without /',
    { servers: ok, healthCheck: { path: 'check.txt' } },
    "healthCheck.path: must be a URL path starting with '/', without whitespace, control characters, quotes, backslashes or '#', got \"check.txt\"",
  ],
  [
    'health path with a space',
    { servers: ok, healthCheck: { path: '/check.txt HTTP/1.1' } },
    "healthCheck.path: must be a URL path starting with '/', without whitespace, control characters, quotes, backslashes or '#', got \"/check.txt HTTP/1.1\"",
  ],
  [
    'health path with a control char',
    { servers: ok, healthCheck: { path: '/a\u0007' } },
    "healthCheck.path: must be a URL path starting with '/', without whitespace, control characters, quotes, backslashes or '#', got \"/a\\u0007\"",
  ],
  ['zero interval', { servers: ok, healthCheck: { intervalMs: 0 } }, 'healthCheck.intervalMs: must be an integer from 1 to 86400000, got 0'],
  ['negative interval', { servers: ok, healthCheck: { intervalMs: -5 } }, 'healthCheck.intervalMs: must be an integer from 1 to 86400000, got -5'],
  ['frontend port', { servers: ok, frontend: { port: 70000 } }, 'frontend.port: must be an integer from 1 to 65535, got 70000'],
  ['frontend hostname', { servers: ok, frontend: { address: 'localhost' } }, 'frontend.address: must be an IPv4 or IPv6 address, got "localhost"'],
  [
    'relative socket path',
    { servers: ok, runtimeApi: { socketPath: 'admin.sock' } },
    'runtimeApi.socketPath: must be an absolute path of letters, digits, ., _, - and /, at most 101 characters, got "admin.sock"',
  ],
  [
    'socket path with a space',
    { servers: ok, runtimeApi: { socketPath: '/tmp/a b.sock' } },
    'runtimeApi.socketPath: must be an absolute path of letters, digits, ., _, - and /, at most 101 characters, got "/tmp/a b.sock"',
  ],
  [
    'bad forwardfor',
    { servers: ok, forwardForExcept: '127.0.0.1/33' },
    'forwardForExcept: must be an IP address or CIDR block such as 10.0.0.0/8, got "127.0.0.1/33"',
  ],
  ['negative retries', { servers: ok, retries: -1 }, 'retries: must be an integer from 0 to 100, got -1'],
  ['accessLog as string', { servers: ok, accessLog: 'yes' }, 'accessLog: must be true or false, got "yes"'],
];

describe('HaproxyConfig.render validation', () => {
  test.each(BAD_INPUTS)('%s', (_label, props, message) => {
    const render = () => HaproxyConfig.render(props as HaproxyConfigProps);
    expect(render).toThrow(ValidationError);
    expect(render).toThrow(new Error(message));
  });

  test('the error carries the field path', () => {
    try {
      HaproxyConfig.render(withServer1({ port: 0 }));
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('servers[0].port');
    }
  });

  test('every strategy value is accepted', () => {
    for (const strategy of Object.values(FailoverStrategy)) {
      expect(HaproxyConfig.render({ servers: ok, strategy })).toContain(`strategy ${strategy}`);
    }
  });
});
