import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { filesUnder, readmeExample } from '../support/files';

const ROOT = resolve(__dirname, '../..');
const { version: VERSION, devDependencies: DEV_VERSIONS } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};
const TARBALL = join(ROOT, 'dist', 'js', `cdktf-failover-api@${VERSION}.jsii.tgz`);
const WHEEL = join(ROOT, 'dist', 'python', `cdktf_failover_api-${VERSION}-py3-none-any.whl`);
const SDIST = join(ROOT, 'dist', 'python', `cdktf-failover-api-${VERSION}.tar.gz`);
// Debian's, which has setuptools and wheel (scripts/setup-system.sh).
const PYTHON = '/usr/bin/python3';

// The user's side: a new project outside the repo installs the tarball, composes FailoverApi into its own stack and
// synthesizes. `CORE` is cdktf or cdktn. It reports which files it loaded, to show it never touched the runtime.
const userApp = (core: string) => `
const { App, TerraformStack, TerraformVariable } = require('${core}');
const { FailoverApi, FailoverStrategy } = require('cdktf-failover-api');

class MyStack extends TerraformStack {
  constructor(scope, id) {
    super(scope, id);
    const secret = (name) => new TerraformVariable(this, name, { type: 'string', sensitive: true }).stringValue;
    new FailoverApi(this, 'api', {
      strategy: FailoverStrategy.WEIGHTED_STICK,
      hosts: [{ name: 'server1', version: 'v1' }, { name: 'server2', version: 'v1' }],
      apiPassword: secret('api_password'),
      replicationPassword: secret('replication_password'),
    });
  }
}
const app = new App({ outdir: process.argv[2] });
new MyStack(app, 'my-stack');
app.synth();
console.log(JSON.stringify(Object.keys(require.cache)));
`;

// Both entry points, type-checked as a user's TypeScript would be.
const USER_TS = `
import { FailoverApi, HaproxyConfig, FailoverStrategy } from 'cdktf-failover-api';
import { LocalTopology, ValidationError } from 'cdktf-failover-api/runtime';
export const used: unknown[] = [FailoverApi, LocalTopology, ValidationError];
export const cfg: string = HaproxyConfig.render({ strategy: FailoverStrategy.PRIMARY_FIRST, servers: [{ name: 'a', address: '10.0.0.1', port: 80 }] });
`;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

/** A new project with the tarball and `deps` installed; returns its directory. */
function userProject(dir: string, deps: Record<string, string>, extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'user-app',
      version: '1.0.0',
      private: true,
      dependencies: { 'cdktf-failover-api': `file:${TARBALL}`, ...deps },
      ...extra,
    }),
  );
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  return dir;
}

/** Synthesizes the user app; returns the stack's Terraform JSON and the files the app loaded. */
function synth(project: string, core: string): { tf: any; loaded: string[] } {
  writeFileSync(join(project, 'main.js'), userApp(core));
  const out = join(project, 'cdktf.out');
  const stdout = execFileSync(process.execPath, ['main.js', out], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tf = JSON.parse(readFileSync(join(out, 'stacks', 'my-stack', 'cdk.tf.json'), 'utf8'));
  expect(existsSync(join(out, 'stacks', 'my-stack', 'assets'))).toBe(true);
  return { tf, loaded: JSON.parse(stdout.trim().split('\n').pop()!) as string[] };
}

jest.setTimeout(240_000);

// `npm run package` (here with --no-build: `npm test` has just built) writes the packages this checks.
describe('the packages', () => {
  let work: string;
  let unpacked: string;
  let cdktfSynth: { tf: any; loaded: string[] };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'failover-api-pack-'));
    execFileSync('bash', [join(ROOT, 'scripts/package.sh'), '--no-build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['xzf', TARBALL, '-C', unpacked]);
    unpacked = join(unpacked, 'package');
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('the npm tarball ships the assembly, the build and the docs; no tests, sources, build state or external source maps', () => {
    const files = filesUnder(unpacked).map((f) => relative(unpacked, f));
    expect(files).toEqual(
      expect.arrayContaining([
        '.jsii',
        'API.md',
        'LICENSE',
        'README.md',
        'package.json',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lib/node-runtime.js',
        'dist/lib/node-runtime.d.ts',
        'dist/docker/api/Dockerfile',
        'dist/docker/api/main.js',
        'dist/docker/api/api-environment.js',
        'dist/docker/postgres/Dockerfile',
        'dist/docker/postgres/bdr-entrypoint.sh',
        'dist/docker/haproxy/Dockerfile',
        'dist/docker/haproxy/haproxy-reloader.sh',
      ]),
    );
    const unwanted =
      /(^|\/)__tests__\/|\.test\.[jt]s$|^cdktf\.out|(^|\/)node_modules\/|\.map$|tsconfig|\.tsbuildinfo$|^lib\/|^stacks\/|^dist\/(js|python|bindings|stacks)\/|^dist\/main\./;
    expect(files.filter((f) => unwanted.test(f))).toEqual([]);
    // Source maps are inline and carry their sources, so none points at a file the package lacks.
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(unpacked, file), 'utf8'))?.[1];
      if (url === undefined) {
        continue;
      }
      expect(url.startsWith('data:application/json;base64,')).toBe(true);
      const map = JSON.parse(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').toString('utf8'));
      expect([file, map.sourcesContent?.length]).toEqual([file, map.sources.length]);
    }
  });

  test('package.json: the cdktf keyword, peers for what stacks provide, and every package the code loads declared', () => {
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
    expect(pkg.keywords).toContain('cdktf');
    expect(pkg.license).toBe('MIT');
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['@cdktf/provider-docker', 'cdktf', 'constructs']);
    expect(pkg.dependencies ?? {}).toEqual({});
    const declared = new Set([...Object.keys(pkg.peerDependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const undeclared = new Set<string>();
    for (const file of filesUnder(join(unpacked, 'dist', 'lib'), '.js')) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!spec.startsWith('.') && !spec.startsWith('node:') && !builtins.has(name) && !declared.has(name)) {
          undeclared.add(`${relative(unpacked, file)}: ${spec}`);
        }
      }
    }
    expect([...undeclared]).toEqual([]);
  });

  test('a new cdktf project installs the tarball and synthesizes FailoverApi without loading the runtime or pg', () => {
    const project = userProject(join(work, 'cdktf-app'), {
      cdktf: DEV_VERSIONS.cdktf,
      constructs: DEV_VERSIONS.constructs,
      '@cdktf/provider-docker': DEV_VERSIONS['@cdktf/provider-docker'],
    });
    cdktfSynth = synth(project, 'cdktf');
    const containers = Object.values(cdktfSynth.tf.resource.docker_container) as { name: string }[];
    expect(containers.map((c) => c.name).sort()).toEqual([
      'failover-api-haproxy',
      'failover-api-haproxy-config',
      'failover-api-server1-api',
      'failover-api-server1-db',
      'failover-api-server1-db-migrate',
      'failover-api-server2-api',
      'failover-api-server2-db',
      'failover-api-server2-db-migrate',
    ]);
    const ours = cdktfSynth.loaded
      .filter((f) => f.includes('/node_modules/cdktf-failover-api/'))
      .map((f) => f.split('/node_modules/cdktf-failover-api/')[1]);
    expect(ours).toContain('dist/lib/constructs/failover-api.js');
    expect(ours.filter((f) => /^dist\/lib\/(runtime|smoke|cli)\/|api-server/.test(f))).toEqual([]);
    expect(cdktfSynth.loaded.filter((f) => f.includes('/node_modules/pg/'))).toEqual([]);

    // The second entry point, for TypeScript: it resolves at run time, and its types resolve under both resolutions.
    const runtime = execFileSync(process.execPath, ['-e', "process.stdout.write(typeof require('cdktf-failover-api/runtime').LocalTopology)"], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(runtime).toBe('function');
    writeFileSync(join(project, 'user.ts'), USER_TS);
    const tsc = (...args: string[]) =>
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/typescript/bin/tsc'),
          '--strict',
          '--skipLibCheck',
          '--typeRoots',
          join(ROOT, 'node_modules/@types'),
          '--types',
          'node',
          ...args,
        ],
        { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
      );
    for (const [module, resolution] of [
      ['commonjs', 'node10'],
      ['node16', 'node16'],
    ]) {
      tsc('--noEmit', '--module', module, '--moduleResolution', resolution, 'user.ts');
    }

    // The README's TypeScript example compiles against the package and synthesizes as it stands.
    writeFileSync(join(project, 'readme-example.ts'), readmeExample('ts'));
    tsc('--module', 'commonjs', '--target', 'es2022', '--outDir', 'build', 'readme-example.ts');
    execFileSync(process.execPath, ['build/readme-example.js'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    const example = JSON.parse(readFileSync(join(project, 'cdktf.out', 'stacks', 'api', 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(example.resource.docker_container)).toHaveLength(8);

    // And the multi-host one: a Docker provider per machine, over SSH.
    writeFileSync(join(project, 'readme-multi-host.ts'), readmeExample('ts', 'multi host'));
    tsc('--module', 'commonjs', '--target', 'es2022', '--outDir', 'build', 'readme-multi-host.ts');
    execFileSync(process.execPath, ['build/readme-multi-host.js'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    const multi = JSON.parse(readFileSync(join(project, 'cdktf.out', 'stacks', 'multi-host', 'cdk.tf.json'), 'utf8'));
    expect((multi.provider.docker as { host: string }[]).map((p) => p.host).sort()).toEqual([
      'ssh://deploy@10.0.0.4',
      'ssh://deploy@10.0.0.5',
      'ssh://deploy@10.0.0.6',
    ]);

    // So does "Your own API": a schema with two tables and a second migration, in each node's migrator.
    writeFileSync(join(project, 'readme-own-api.ts'), readmeExample('ts', 'your own api'));
    tsc('--module', 'commonjs', '--target', 'es2022', '--outDir', 'build', 'readme-own-api.ts');
    execFileSync(process.execPath, ['build/readme-own-api.js'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    const own = JSON.parse(readFileSync(join(project, 'cdktf.out', 'stacks', 'shop', 'cdk.tf.json'), 'utf8'));
    const migrators = Object.values(own.resource.docker_container as Record<string, { name: string; upload?: { content: string }[] }>).filter((c) =>
      c.name.endsWith('-db-migrate'),
    );
    expect(migrators.map((c) => c.name).sort()).toEqual(['failover-api-server1-db-migrate', 'failover-api-server2-db-migrate']);
    for (const m of migrators) {
      const script = m.upload?.[0].content ?? '';
      expect(script).toContain('CREATE TABLE customers');
      expect(script).toContain("apply_migration(2, 'orders.placed_at (expand)'");
    }
  });

  test('the same stack synthesizes under cdktn 0.24, with cdktf aliased to it as the README says, to the same Terraform', () => {
    expect(cdktfSynth).toBeDefined();
    const project = userProject(
      join(work, 'cdktn-app'),
      {
        cdktn: '0.24.0',
        cdktf: 'npm:cdktn@0.24.0',
        constructs: '10.7.0',
        '@cdktf/provider-docker': DEV_VERSIONS['@cdktf/provider-docker'],
      },
      { overrides: { cdktf: '$cdktf' } },
    );
    const cdktn = synth(project, 'cdktn');
    expect(JSON.parse(readFileSync(join(project, 'node_modules/cdktf/package.json'), 'utf8')).name).toBe('cdktn');
    // Alike but for the core's version in the metadata and where the local state would go.
    const normalize = (tf: any) => ({
      ...tf,
      '//': { ...tf['//'], metadata: { ...tf['//'].metadata, version: 'x' } },
      terraform: { ...tf.terraform, backend: 'x' },
    });
    expect(cdktn.tf['//'].metadata.version).toBe('0.24.0');
    expect(normalize(cdktn.tf)).toEqual(normalize(cdktfSynth.tf));
  });

  test('the Python package: a wheel and an sdist with the assembly inside, its dependencies named, code that compiles and that the README example fits', () => {
    expect(existsSync(SDIST)).toBe(true);
    const example = join(work, 'example.py');
    writeFileSync(example, readmeExample('python'));
    // Reads the wheel without installing it; the language stage (npm run test:languages) installs and runs it.
    const report = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          `
import ast, json, sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
names = wheel.namelist()
meta = next(wheel.read(n).decode() for n in names if n.endswith('.dist-info/METADATA'))
init = wheel.read('cdktf_failover_api/__init__.py').decode()
compile(init, '__init__.py', 'exec')
module = ast.parse(init)
classes = {c.name: c for c in module.body if isinstance(c, ast.ClassDef)}
def params(cls):
    fn = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == '__init__')
    return [a.arg for a in fn.args.args + fn.args.kwonlyargs]
def properties(cls):
    return [f.name for f in cls.body if isinstance(f, ast.FunctionDef)]
example = ast.parse(open(sys.argv[2]).read())
imported = [a.name for n in ast.walk(example) if isinstance(n, ast.ImportFrom) and n.module == 'cdktf_failover_api' for a in n.names]
calls = [n for n in ast.walk(example) if isinstance(n, ast.Call)]
kwargs = [k.arg for n in calls if getattr(n.func, 'id', None) == 'FailoverApi' for k in n.keywords]
host_kwargs = sorted({k.arg for n in calls if getattr(n.func, 'id', None) == 'FailoverApiHost' for k in n.keywords})
print(json.dumps({
  'names': names,
  'requires': [l.split(': ', 1)[1] for l in meta.splitlines() if l.startswith('Requires-Dist: ')],
  'imported': imported,
  'missing_classes': [n for n in imported if n not in classes],
  'kwargs': kwargs,
  'unknown_kwargs': [k for k in kwargs if k not in params(classes['FailoverApi'])] + [k for k in host_kwargs if k not in params(classes['FailoverApiHost'])],
  'host_kwargs': host_kwargs,
  'has_load_balancer': 'load_balancer' in properties(classes['FailoverApi']),
}))
`,
          WHEEL,
          example,
        ],
        { encoding: 'utf8' },
      ),
    );
    expect(report.names).toEqual(
      expect.arrayContaining([
        'cdktf_failover_api/__init__.py',
        'cdktf_failover_api/py.typed',
        `cdktf_failover_api/_jsii/cdktf-failover-api@${VERSION}.jsii.tgz`,
      ]),
    );
    const requires = (report.requires as string[]).map((r) => r.split(/[<>=~! ]/)[0]);
    expect(requires).toEqual(expect.arrayContaining(['cdktf', 'constructs', 'cdktf-cdktf-provider-docker', 'jsii']));
    expect(report.imported).toEqual(['FailoverApi', 'FailoverApiHost', 'FailoverStrategy']);
    expect(report.missing_classes).toEqual([]);
    expect(report.kwargs).toEqual(['strategy', 'hosts', 'api_password', 'replication_password']);
    expect(report.host_kwargs).toEqual(['name', 'version']);
    expect(report.unknown_kwargs).toEqual([]);
    expect(report.has_load_balancer).toBe(true);
  });
});
