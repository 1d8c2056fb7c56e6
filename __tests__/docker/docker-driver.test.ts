import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { FailoverStrategy } from '../../lib';
import { ExperimentScenario } from '../../lib/node-runtime';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CommandOptions,
  CommandResult,
  CommandRunner,
  dockerPreflight,
  HostFault,
  runDockerSmoke,
  terraformProviderMirror,
} from '../../lib/node-runtime';

interface Call {
  readonly command: string;
  readonly env: Record<string, string>;
  readonly input?: string;
}

function showStat(status: Record<string, string>, weights: string[]): string {
  return [
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight',
    `api_backend,server1,0,0,0,1,,1,0,0,,0,,0,0,0,0,${status.server1},${weights[0]}`,
    `api_backend,server2,0,0,0,1,,1,0,0,,0,,0,0,0,0,${status.server2},${weights[1]}`,
    'api_backend,BACKEND,0,0,0,1,,1,0,0,,0,,0,0,0,0,UP,101',
  ].join('\n');
}

/** A runner that records every command and answers like a healthy Docker host would. */
class RecordingRunner implements CommandRunner {
  readonly calls: Call[] = [];
  private readonly status: Record<string, string> = { server1: 'UP', server2: 'UP' };
  private weights = ['100', '1'];
  /** FAILOVER_SMOKE_WEIGHTS of each deploy that set it, which the fake HAProxy then runs. */
  readonly weightsApplied: string[] = [];

  constructor(private readonly failWhen: (line: string, env: Record<string, string>) => boolean = () => false) {}

  async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
    const line = [command, ...args].join(' ');
    this.calls.push({ command: line, env: options.env ?? {}, input: options.input });
    if (this.failWhen(line, options.env ?? {})) {
      return { exitCode: 1, stdout: '', stderr: 'Error: simulated failure' };
    }
    const weights = options.env?.FAILOVER_SMOKE_WEIGHTS;
    if (line.includes('cdktf deploy') && weights !== undefined) {
      this.weightsApplied.push(weights);
      this.weights = weights.split(',');
    }
    if (line.includes('socat')) {
      // HAProxy reports a drained server that passes its checks as DRAIN until it is set ready.
      const set = /^set server api_backend\/(\w+) state (\w+)/.exec(options.input ?? '');
      if (set) {
        this.status[set[1]] = set[2] === 'drain' ? 'DRAIN' : 'UP';
      }
      return { exitCode: 0, stdout: options.input?.startsWith('show stat') ? showStat(this.status, this.weights) : '', stderr: '' };
    }
    if (line.includes('psql') && options.input?.includes('json_agg')) {
      return { exitCode: 0, stdout: '[]\n', stderr: '' }; // the convergence checker: no replicated table, so identical
    }
    if (line.includes('psql')) {
      const ids = /'\{([^}]*)\}'/.exec(options.input ?? '')?.[1];
      return { exitCode: 0, stdout: ids !== undefined ? `${ids ? ids.split(',').length : 0}\n` : 'replicating\n', stderr: '' };
    }
    if (line === 'docker logs failover-api-probe') {
      return { exitCode: 0, stdout: '12:00:00 200\n12:00:01 200\n12:00:01 503\n', stderr: '' };
    }
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  /** The deploy/destroy commands with the version variables each was given. */
  cdktf(): string[] {
    return this.calls
      .filter((c) => c.command.includes('cdktf deploy') || c.command.includes('cdktf destroy'))
      .map((c) => `${c.command.replace('npx --no-install ', '')} [server1=${c.env.TF_VAR_server1_version} server2=${c.env.TF_VAR_server2_version}]`);
  }
}

/** Stands in for HAProxy's published frontend, so the probe has something to hit. */
async function fakeFrontend(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.setHeader('x-served-by', 'server1');
    const put = /^\/api\/v1\/items\/([0-9a-f-]{36})$/.exec(req.url ?? '');
    if (req.method === 'PUT' && put) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: put[1] }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('Docker smoke driver (command runner injected, no Docker needed)', () => {
  let frontend: { server: Server; url: string };

  beforeAll(async () => {
    frontend = await fakeFrontend();
  });

  afterAll(async () => {
    await new Promise((resolve) => frontend.server.close(resolve));
  });

  test('preflight, deploy, update server2, update server1, destroy: exact commands, order and variables', async () => {
    const runner = new RecordingRunner();
    const { report } = await runDockerSmoke({
      runner,
      skipProviderLock: false,
      frontendUrl: frontend.url,
      strategy: FailoverStrategy.PRIMARY_FIRST,
      settleMs: 50,
      writeRatio: 0.5,
      rate: 20,
    });
    expect(runner.calls.slice(0, 3).map((c) => c.command)).toEqual([
      'docker info --format {{.ServerVersion}}',
      'terraform version',
      'npx --no-install cdktf --version',
    ]);
    expect(runner.cdktf()).toEqual([
      'cdktf deploy failover-api-smoke --auto-approve [server1=v1 server2=v1]',
      'cdktf deploy failover-api-smoke --auto-approve [server1=v1 server2=v2]',
      'cdktf deploy failover-api-smoke --auto-approve [server1=v2 server2=v2]',
      'cdktf destroy failover-api-smoke --auto-approve [server1=v2 server2=v2]',
    ]);
    const deploy = runner.calls.find((c) => c.command.includes('cdktf deploy'))!;
    expect(deploy.env).toMatchObject({ FAILOVER_SMOKE_STRATEGY: 'primary-first', CHECKPOINT_DISABLE: '1' });
    expect(deploy.env.TF_VAR_api_password).toMatch(/^[0-9a-f]{32}$/);
    expect(deploy.env.TF_VAR_replication_password).toMatch(/^[0-9a-f]{32}$/);
    // The runtime API is reached with docker exec into the HAProxy container.
    expect(
      runner.calls.some(
        (c) => c.command === 'docker exec -i failover-api-haproxy socat stdio UNIX-CONNECT:/var/lib/haproxy/admin.sock' && c.input === 'show stat\n',
      ),
    ).toBe(true);
    expect(report).toMatchObject({
      target: 'docker',
      strategy: 'primary-first',
      failures: 0,
      writesLost: 0,
      containerProbe: { requests: 3, failures: 1 },
    });
    expect(report.writesAcked).toBeGreaterThan(0);
  });

  test('host-loss: each host is taken off the network and killed, then reconnected, restarted and redeployed', async () => {
    const runner = new RecordingRunner();
    const { report } = await runDockerSmoke({
      runner,
      skipProviderLock: false,
      frontendUrl: frontend.url,
      fault: HostFault.HOST_LOSS,
      hosts: ['server1'],
      settleMs: 0,
    });
    const steps = runner.calls
      .map((c) => c.command)
      .filter((c) => /^docker (network|kill|start)/.test(c) || c.includes('cdktf deploy'))
      .map((c) => c.replace('npx --no-install ', ''));
    expect(steps).toEqual([
      'cdktf deploy failover-api-smoke --auto-approve',
      'docker network disconnect --force failover-api-net failover-api-server1-api',
      'docker network disconnect --force failover-api-net failover-api-server1-db',
      'docker kill failover-api-server1-api',
      'docker kill failover-api-server1-db',
      'docker network connect failover-api-net failover-api-server1-db',
      'docker network connect failover-api-net failover-api-server1-api',
      'docker start failover-api-server1-db',
      'cdktf deploy failover-api-smoke --auto-approve',
    ]);
    expect(report.fault).toBe('host-loss');
  });

  test('db-crash: only the database is killed and started again; nothing is deployed for it', async () => {
    const runner = new RecordingRunner();
    await runDockerSmoke({ runner, skipProviderLock: false, frontendUrl: frontend.url, fault: HostFault.DB_CRASH, hosts: ['server1'], settleMs: 0 });
    const steps = runner.calls.map((c) => c.command).filter((c) => /^docker (network|kill|start|stop)/.test(c) || c.includes('cdktf deploy'));
    expect(steps).toEqual([
      'npx --no-install cdktf deploy failover-api-smoke --auto-approve',
      'docker kill failover-api-server1-db',
      'docker start failover-api-server1-db',
    ]);
  });

  test('rebuild: the node loses its container and volume, and the deploy creates both anew', async () => {
    const runner = new RecordingRunner();
    await runDockerSmoke({ runner, skipProviderLock: false, frontendUrl: frontend.url, fault: HostFault.REBUILD, hosts: ['server2'], settleMs: 0 });
    const steps = runner.calls
      .map((c) => c.command)
      .filter((c) => /^docker (network|kill|start|stop|rm|volume)/.test(c) || c.includes('cdktf deploy'));
    expect(steps).toEqual([
      'npx --no-install cdktf deploy failover-api-smoke --auto-approve',
      'docker kill failover-api-server2-api',
      'docker rm --force failover-api-server2-db failover-api-server2-db-migrate',
      'docker volume rm failover-api-server2-db-data',
      'npx --no-install cdktf deploy failover-api-smoke --auto-approve',
    ]);
  });

  test('with drain: the runtime API drains a server before its deploy and readies it after', async () => {
    const runner = new RecordingRunner();
    await runDockerSmoke({ runner, skipProviderLock: false, frontendUrl: frontend.url, drain: true, settleMs: 0 });
    const steps = runner.calls
      .filter((c) => c.input?.startsWith('set server') || c.command.includes('cdktf deploy'))
      .map((c) => (c.input ? c.input.trim() : `deploy server2=${c.env.TF_VAR_server2_version} server1=${c.env.TF_VAR_server1_version}`));
    expect(steps).toEqual([
      'deploy server2=v1 server1=v1',
      'set server api_backend/server2 state drain',
      'deploy server2=v2 server1=v1',
      'set server api_backend/server2 state ready',
      'set server api_backend/server1 state drain',
      'deploy server2=v2 server1=v2',
      'set server api_backend/server1 state ready',
    ]);
  });

  test('a failed step still tears the stack down, and the failure is what is reported', async () => {
    const runner = new RecordingRunner((line, env) => line.includes('cdktf deploy') && env.TF_VAR_server2_version === 'v2');
    await expect(runDockerSmoke({ runner, skipProviderLock: false, frontendUrl: frontend.url, settleMs: 0 })).rejects.toThrow(
      /cdktf deploy failover-api-smoke --auto-approve` failed \(exit 1\)/,
    );
    expect(runner.cdktf().map((c) => c.split(' [')[0])).toEqual([
      'cdktf deploy failover-api-smoke --auto-approve',
      'cdktf deploy failover-api-smoke --auto-approve',
      'cdktf destroy failover-api-smoke --auto-approve',
    ]);
  });

  test('offline: --skip-provider-lock on every cdktf call, and the image registry reaches the synth', async () => {
    const runner = new RecordingRunner();
    await runDockerSmoke({
      runner,
      skipProviderLock: true,
      imageRegistry: 'mirror.example:5000/hub',
      frontendUrl: frontend.url,
      hosts: ['server2'],
      settleMs: 0,
    });
    expect(runner.cdktf().map((c) => c.split(' [')[0])).toEqual([
      'cdktf deploy failover-api-smoke --auto-approve --skip-provider-lock',
      'cdktf deploy failover-api-smoke --auto-approve --skip-provider-lock',
      'cdktf destroy failover-api-smoke --auto-approve --skip-provider-lock',
    ]);
    const cdktfCalls = runner.calls.filter((c) => c.command.includes('cdktf deploy') || c.command.includes('cdktf destroy'));
    expect(cdktfCalls.map((c) => c.env.FAILOVER_SMOKE_IMAGE_REGISTRY)).toEqual([
      'mirror.example:5000/hub',
      'mirror.example:5000/hub',
      'mirror.example:5000/hub',
    ]);
  });

  test('a reload is a deploy with the new weights, done when HAProxy runs them', async () => {
    const runner = new RecordingRunner();
    const { report } = await runDockerSmoke({
      runner,
      skipProviderLock: false,
      frontendUrl: frontend.url,
      scenario: ExperimentScenario.RELOAD,
      reloads: 2,
      settleMs: 0,
    });
    const deploys = runner.calls.filter((c) => c.command.includes('cdktf deploy'));
    expect(deploys.map((c) => c.env.FAILOVER_SMOKE_WEIGHTS)).toEqual([undefined, ...runner.weightsApplied]);
    expect(runner.weightsApplied).toHaveLength(2);
    expect(report).toMatchObject({ scenario: 'reload', failures: 0 });
  });

  test('--keep leaves the stack deployed after a failure', async () => {
    const runner = new RecordingRunner((line) => line.includes('cdktf deploy'));
    await expect(runDockerSmoke({ runner, skipProviderLock: false, frontendUrl: frontend.url, keep: true })).rejects.toThrow('failed');
    expect(runner.calls.some((c) => c.command.includes('cdktf destroy'))).toBe(false);
  });
});

describe('terraformProviderMirror: when cdktf must skip `terraform providers lock`', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'tf-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test('a filesystem_mirror in the CLI config, from TF_CLI_CONFIG_FILE or ~/.terraformrc', () => {
    const config = join(home, 'custom.tfrc');
    writeFileSync(config, 'provider_installation {\n  filesystem_mirror {\n    path = "/srv/tf"\n  }\n}\n');
    expect(terraformProviderMirror({ TF_CLI_CONFIG_FILE: config }, home)).toBe(`the filesystem_mirror in ${config}`);
    expect(terraformProviderMirror({}, home)).toBeUndefined();
    writeFileSync(join(home, '.terraformrc'), 'provider_installation {\n  filesystem_mirror {\n    path = "/srv/tf"\n  }\n}\n');
    expect(terraformProviderMirror({}, home)).toBe(`the filesystem_mirror in ${join(home, '.terraformrc')}`);
  });

  test('the implied mirror ~/.terraform.d/plugins; a CLI config without a mirror is not one', () => {
    writeFileSync(join(home, '.terraformrc'), 'plugin_cache_dir = "/tmp/cache"\n# filesystem_mirror {\n');
    expect(terraformProviderMirror({}, home)).toBeUndefined();
    mkdirSync(join(home, '.terraform.d', 'plugins'), { recursive: true });
    expect(terraformProviderMirror({}, home)).toBe(`the implied mirror ${join(home, '.terraform.d', 'plugins')}`);
  });
});

describe('Docker smoke preflight', () => {
  test('names the missing daemon and how to get it, and nothing is deployed', async () => {
    const runner = new RecordingRunner((line) => line.startsWith('docker info'));
    await expect(runDockerSmoke({ runner, skipProviderLock: false })).rejects.toThrow(
      /missing:\n {2}- a reachable Docker daemon: `docker info --format \{\{\.ServerVersion\}\}` failed \(Error: simulated failure\)\. To fix: install Docker and start its daemon/,
    );
    expect(runner.calls.some((c) => c.command.includes('cdktf deploy'))).toBe(false);
  });

  test('names every missing binary at once, and honours TERRAFORM_BINARY_NAME for OpenTofu', async () => {
    const runner = new RecordingRunner((line) => line.startsWith('tofu') || line.includes('cdktf --version'));
    const error = await dockerPreflight(runner, { TERRAFORM_BINARY_NAME: 'tofu' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('- Terraform (`tofu`): `tofu version` failed');
    expect((error as Error).message).toContain('- the cdktf CLI: `npx --no-install cdktf --version` failed');
    expect((error as Error).message).not.toContain('Docker daemon');
  });

  test('passes when everything answers', async () => {
    const runner = new RecordingRunner();
    await expect(dockerPreflight(runner, {})).resolves.toBeUndefined();
    expect(runner.calls).toHaveLength(3);
  });
});
