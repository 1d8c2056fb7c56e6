import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

// The user's side: a new project outside the repo installs the packed tarball, composes FailoverApi into its
// own TerraformStack, and synthesizes, exactly as it would after `npm install cdktf-failover-api`.
const USER_APP = `
const { App, TerraformStack, TerraformVariable } = require('cdktf');
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
`;

jest.setTimeout(180_000);

describe('the npm package', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'failover-api-pack-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('npm pack, install the tarball in a new project, compose FailoverApi into a stack, and synth', () => {
    const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/docker/api/Dockerfile', 'dist/docker/api/main.js', 'dist/docker/postgres/Dockerfile', 'dist/docker/postgres/bdr-entrypoint.sh', 'dist/docker/haproxy/Dockerfile', 'dist/docker/haproxy/haproxy-reloader.sh', 'dist/docker/api/api-environment.js']));
    expect(files.some((f) => f.startsWith('__tests__/') || f.startsWith('node_modules/'))).toBe(false);

    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
    const versions = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies as Record<string, string>;
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed[0].filename),
      `cdktf@${versions.cdktf}`, `constructs@${versions.constructs}`, `@cdktf/provider-docker@${versions['@cdktf/provider-docker']}`], app);
    writeFileSync(join(app, 'main.js'), USER_APP);
    const out = join(work, 'cdktf.out');
    execFileSync(process.execPath, ['main.js', out], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });

    const stackFile = join(out, 'stacks', 'my-stack', 'cdk.tf.json');
    expect(existsSync(stackFile)).toBe(true);
    const tf = JSON.parse(readFileSync(stackFile, 'utf8'));
    const containers = Object.values(tf.resource.docker_container) as { name: string }[];
    expect(containers.map((c) => c.name).sort()).toEqual(['failover-api-haproxy', 'failover-api-haproxy-config', 'failover-api-server1-api', 'failover-api-server1-db', 'failover-api-server2-api', 'failover-api-server2-db']);
    // The shipped build contexts travel with the stack as assets.
    expect(existsSync(join(out, 'stacks', 'my-stack', 'assets'))).toBe(true);
  });
});
