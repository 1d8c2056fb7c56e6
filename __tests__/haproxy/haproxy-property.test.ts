import * as fc from 'fast-check';
import { isIP } from 'node:net';
import { FailoverStrategy, HaproxyConfigProps, HaproxyConfig } from '../../lib';
import { ValidationError } from '../../lib/node-runtime';
import { haproxyCheck } from '../support/haproxy-check';

// Mostly-valid values with a hostile fraction mixed in, so both branches are exercised every run.
const hostile = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', 'a b', 'x\nserver evil 6.6.6.6:80', 's#1', '"q"', "'q'", 'a\\b', '\u0000', '/p\r\nbind :1'),
);
const name = fc.oneof({ weight: 30, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,30}$/) }, { weight: 1, arbitrary: hostile });
const ipAddress = fc.oneof(fc.ipV4(), fc.ipV6());
const port = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(0)) },
);
const path = fc.oneof({ weight: 30, arbitrary: fc.webPath().map((p) => `/${p.replace(/^\/+/, '')}`) }, { weight: 1, arbitrary: hostile });

const propsArbitrary = fc.record({
  strategy: fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...Object.values(FailoverStrategy)) }, { weight: 1, arbitrary: fc.string() }),
  servers: fc.array(
    fc.record({
      name,
      address: fc.oneof({ weight: 30, arbitrary: ipAddress }, { weight: 1, arbitrary: fc.oneof(fc.domain(), hostile) }),
      port,
      weight: fc.option(fc.oneof({ weight: 30, arbitrary: fc.integer({ min: 1, max: 256 }) }, { weight: 1, arbitrary: fc.integer() }), {
        nil: undefined,
      }),
    }),
    { minLength: 2, maxLength: 4 },
  ),
  frontend: fc.record({ address: fc.option(ipAddress, { nil: undefined }), port: fc.option(port, { nil: undefined }) }),
  healthCheck: fc.record({ path, intervalMs: fc.option(fc.integer({ min: -1, max: 100_000 }), { nil: undefined }) }),
  runtimeApi: fc.option(
    fc.record({ socketPath: fc.oneof({ weight: 30, arbitrary: fc.constant('/run/haproxy/admin.sock') }, { weight: 1, arbitrary: hostile }) }),
    { nil: undefined },
  ),
}) as fc.Arbitrary<unknown> as fc.Arbitrary<HaproxyConfigProps>;

function usesHostnames(props: HaproxyConfigProps): boolean {
  return props.servers.some((s) => typeof s.address === 'string' && isIP(s.address) === 0);
}

describe('HaproxyConfig.render over random inputs (seeded)', () => {
  test('invalid input throws a ValidationError naming the prop; valid input passes haproxy -c with the fixed structure', () => {
    let rendered = 0;
    let rejected = 0;
    fc.assert(
      fc.property(propsArbitrary, (generated) => {
        // Hostnames need the run-time resolver, or haproxy -c fails on DNS rather than on our output.
        const props = usesHostnames(generated) ? { ...generated, dnsResolver: {} } : generated;
        let config: string;
        try {
          config = HaproxyConfig.render(props);
        } catch (err) {
          rejected++;
          expect(err).toBeInstanceOf(ValidationError);
          expect((err as ValidationError).message).toMatch(/^[A-Za-z.[\]0-9]+: must /);
          return;
        }
        rendered++;
        const lines = config.split('\n');
        // Structure: the same section headers, and exactly one server line per server.
        expect(lines.filter((l) => /^\S/.test(l) && !l.startsWith('#'))).toEqual([
          'global',
          'defaults',
          ...(props.dnsResolver ? ['resolvers dns'] : []),
          'frontend api_frontend',
          'backend api_backend',
        ]);
        expect(lines.filter((l) => l.startsWith('    server ')).length).toBe(props.servers.length);
        const check = haproxyCheck(config);
        expect({ valid: check.valid, output: check.output }).toEqual({ valid: true, output: expect.any(String) });
      }),
      { seed: 20261123, numRuns: 300 },
    );
    // The generator must exercise both branches, or this test proves nothing.
    expect(rendered).toBeGreaterThan(30);
    expect(rejected).toBeGreaterThan(30);
  });
});
