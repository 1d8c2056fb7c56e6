import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { filesUnder } from './support/files';

const ROOT = resolve(__dirname, '..');
const LIB = join(ROOT, 'lib');

/** What a file imports or re-exports from, multi-line statements included. */
function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^(?:import|export) [^;]*? from '([^']+)';$/gms)].map((m) => m[1]);
}

// The layering in the README's Development section: only constructs (and stacks/) know CDKTF, so a move to its community fork stays small.
describe('import direction', () => {
  const layers = ['haproxy', 'postgres', 'validation', 'naming', 'polling', 'replication', 'api', 'runtime', 'smoke', 'cli'];

  test.each(layers)('lib/%s imports neither cdktf nor the constructs', (layer) => {
    const offenders = filesUnder(join(LIB, layer), '.ts').flatMap((file) =>
      imports(file)
        .filter((m) => m === 'cdktf' || m.startsWith('@cdktf/') || m === 'constructs' || m.includes('/constructs/'))
        .map((m) => `${relative(LIB, file)} imports ${m}`),
    );
    expect(offenders).toEqual([]);
  });

  test('renderers import nothing from the project outside their own layer and validation', () => {
    const offenders = ['haproxy', 'postgres'].flatMap((layer) =>
      filesUnder(join(LIB, layer), '.ts').flatMap((file) =>
        imports(file)
          .filter((m) => m.startsWith('..') && !m.startsWith('../validation/'))
          .map((m) => `${relative(LIB, file)} imports ${m}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  test('constructs and the runtime never import each other', () => {
    const offenders = [
      ...filesUnder(join(LIB, 'constructs'), '.ts').flatMap((f) =>
        imports(f)
          .filter((m) => m.includes('/runtime/') || m.includes('/smoke/'))
          .map((m) => `${relative(LIB, f)} imports ${m}`),
      ),
      ...filesUnder(join(LIB, 'runtime'), '.ts').flatMap((f) =>
        imports(f)
          .filter((m) => m.includes('/constructs/'))
          .map((m) => `${relative(LIB, f)} imports ${m}`),
      ),
    ];
    expect(offenders).toEqual([]);
  });

  test('nothing imports the CLI, and the entry points only export', () => {
    const cliImporters = filesUnder(LIB, '.ts')
      .filter((f) => !f.includes('/cli/'))
      .filter((f) => imports(f).some((m) => m.includes('/cli/')));
    expect(cliImporters).toEqual([]);
    for (const entry of ['index.ts', 'node-runtime.ts']) {
      // Statement by statement, so an export that spans lines is one export.
      const statements = readFileSync(join(LIB, entry), 'utf8')
        .replace(/^\/\/.*$/gm, '')
        .split(';')
        .map((st) => st.trim())
        .filter((st) => st.length > 0);
      expect(statements.filter((st) => !st.startsWith('export '))).toEqual([]);
    }
  });
});

/** Every project file a file reaches through its imports and re-exports, and every package it names. */
function closure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) {
      return;
    }
    files.add(file);
    for (const spec of imports(file)) {
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec);
        visit([`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f))!);
      } else {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

// The jsii entry point is what every cdktf app and every other language loads: constructs and renderers only.
describe('what each entry point loads', () => {
  const harness = /^lib\/(runtime|smoke|cli)\/|^lib\/api\/(api-server|main)\.ts$/;

  test('lib/index.ts reaches no runtime, smoke, CLI or API-server file, and no package but the peers and node:', () => {
    const { files, packages } = closure(join(LIB, 'index.ts'));
    expect(files.filter((f) => harness.test(f))).toEqual([]);
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual(['@cdktf/provider-docker', 'cdktf', 'constructs']);
  });

  test("the cdktf app (main.ts, stacks/) loads no more than the jsii entry point and the smoke stack's names", () => {
    const { files, packages } = closure(join(ROOT, 'main.ts'));
    expect(files.filter((f) => harness.test(f) && f !== 'lib/smoke/smoke-stack-contract.ts')).toEqual([]);
    expect(packages).not.toContain('pg');
  });

  test('lib/node-runtime.ts is where pg and the harness live', () => {
    const { files, packages } = closure(join(LIB, 'node-runtime.ts'));
    expect(packages).toContain('pg');
    expect(files).toEqual(expect.arrayContaining(['lib/runtime/local-topology.ts', 'lib/smoke/probe.ts', 'lib/api/api-server.ts']));
  });
});

describe('test tiers', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const UNIT_TESTS = require('./support/unit-tier.js') as string[];

  test('every test the unit tier lists exists, and none of them starts a process or reads the packaged build', () => {
    // Spelled so that this file's own source does not match.
    const starts = new RegExp(
      [
        'LocalTopology[.]start',
        'runLocal' + 'Smoke',
        'expectValid' + 'HaproxyConfig',
        'haproxy' + ' -c',
        'spawn' + 'Sync',
        'exec' + 'File',
        'dist[/]lib',
      ].join('|'),
    );
    const problems = UNIT_TESTS.flatMap((t) => {
      const file = join(ROOT, '__tests__', `${t}.test.ts`);
      if (!existsSync(file)) {
        return [`${t}: no such test file`];
      }
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => starts.test(l));
      return line < 0 ? [] : [`${t}.test.ts:${line + 1} starts a process or reads the build: move it out of the unit tier`];
    });
    expect(problems).toEqual([]);
  });
});
