import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Token } from 'cdktf';
import { FailoverStrategy } from '../../lib';
import { resolveFailoverApiProps } from '../../lib/constructs/resolve-failover-api-props';
import { resolveHaproxyProps } from '../../lib/haproxy/resolve-haproxy-props';
import { resolveBdrNodeConfig } from '../../lib/postgres/resolve-bdr-node-config';

// Every `@default` that states a plain value is held against the value the resolver fills in, through the jsii
// assembly: the text every language's API.md shows is the text checked here.
const assembly = JSON.parse(readFileSync(join(__dirname, '../../.jsii'), 'utf8')) as {
  types: Record<string, { kind: string; name: string; properties?: { name: string; docs?: { default?: string } }[] }>;
};

interface Documented {
  readonly path: string;
  readonly stated: string;
}

/** The props of an interface (and of the named nested interfaces) whose @default is a literal, with the text. */
function documented(interfaceName: string, prefix = ''): Documented[] {
  const type = Object.values(assembly.types).find((t) => t.kind === 'interface' && t.name === interfaceName);
  if (!type) {
    throw new Error(`no interface ${interfaceName} in the assembly`);
  }
  return (type.properties ?? []).flatMap((p) => (p.docs?.default === undefined ? [] : [{ path: `${prefix}${p.name}`, stated: p.docs.default }]));
}

// A literal, optionally with a parenthetical: `5000`, `'/check.txt' (the HAProxy article's)`, `true`, `-1`.
const LITERAL = /^(-?[0-9][0-9_]*|'[^']*'|true|false)(\s+\(.*\))?$/;

function literalOf(stated: string): unknown {
  const m = LITERAL.exec(stated.trim());
  if (!m) {
    return undefined;
  }
  const v = m[1];
  return v.startsWith("'") ? v.slice(1, -1) : v === 'true' ? true : v === 'false' ? false : Number(v.replace(/_/g, ''));
}

function at(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], object);
}

const servers = [
  { name: 'server1', address: '10.0.0.5', port: 8080 },
  { name: 'server2', address: '10.0.0.6', port: 8080 },
];
const CHECKED: { what: string; docs: Documented[]; resolved: unknown }[] = [
  {
    what: 'HaproxyConfigProps',
    docs: [
      ...documented('HaproxyConfigProps'),
      ...documented('HaproxyHealthCheck', 'healthCheck.'),
      ...documented('HaproxyTimeouts', 'timeouts.'),
      ...documented('HaproxyFailureHandling', 'failureHandling.'),
      ...documented('HaproxyLimits', 'limits.'),
      ...documented('HaproxyFrontend', 'frontend.'),
    ],
    resolved: resolveHaproxyProps({ strategy: FailoverStrategy.WEIGHTED_STICK, servers }),
  },
  {
    what: 'BdrNodeConfig',
    docs: documented('BdrNodeConfig'),
    resolved: resolveBdrNodeConfig({
      local: { name: 'server1', host: 'db1' },
      peer: { name: 'server2', host: 'db2' },
      peerAddresses: ['10.0.0.6'],
      apiAddresses: ['10.0.0.5'],
    }),
  },
  {
    what: 'FailoverApiProps',
    docs: documented('FailoverApiProps'),
    resolved: resolveFailoverApiProps({
      hosts: [
        { name: 'server1', version: 'v1' },
        { name: 'server2', version: 'v1' },
      ],
      apiPassword: Token.asString({ ref: 'a' }),
      replicationPassword: Token.asString({ ref: 'r' }),
    }),
  },
];

describe('documented defaults (through the jsii assembly)', () => {
  test.each(CHECKED)('$what: every @default that states a plain value is the value the resolver fills in', ({ docs, resolved }) => {
    const literal = docs.flatMap((d) => {
      const value = literalOf(d.stated);
      const actual = at(resolved, d.path);
      // A prop the resolver does not keep under its own name is another renderer's to check.
      return value === undefined || actual === undefined ? [] : [{ path: d.path, stated: d.stated, value, actual }];
    });
    expect(literal.length).toBeGreaterThan(2);
    expect(literal.filter((l) => l.value !== l.actual).map((l) => `${l.path}: @default ${l.stated}, resolved ${JSON.stringify(l.actual)}`)).toEqual(
      [],
    );
  });
});
