import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { BdrNodeConfig, BootstrapSql, PgAuthMethod, PgHba, PostgresSettings } from '../../lib';
import { findPgBinDir, pollUntil } from '../../lib/node-runtime';
import { freePort } from '../../lib/runtime/free-port';
import { ManagedProcess } from '../../lib/runtime/managed-process';
import { PostgresCluster } from '../../lib/runtime/postgres-cluster';
import { postgresRunAs } from '../../lib/runtime/system-binaries';
import { pidsMentioning } from '../support/processes';
import { scaled } from '../support/time-scale';

// The Postgres image's entrypoint, run here against a real PostgreSQL 15 with pglogical, as a replaced container
// runs it on a volume that already has its data: the official image skips its init scripts then, so the entrypoint
// itself must apply the passwords in the container's environment. Two stand-ins: `gosu` is `runuser`, and the
// official `docker-entrypoint.sh` only records its arguments (the server is already running).
const ENTRYPOINT = resolve(__dirname, '../../lib/postgres/docker/bdr-entrypoint.sh');

jest.setTimeout(scaled(60_000));

async function canLogIn(port: number, user: string, password: string): Promise<boolean> {
  const client = new Client({ host: '127.0.0.1', port, user, password, database: 'api', connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe("bdr-entrypoint.sh (the Postgres image's entrypoint) on a node that already has its data", () => {
  const runAs = postgresRunAs();
  let dir: string;
  let configDir: string;
  let port: number;
  let cluster: PostgresCluster;
  let entrypoint: ManagedProcess | undefined;

  beforeAll(async () => {
    if (runAs.uid === undefined || runAs.gid === undefined) {
      throw new Error('this test runs the entrypoint as root, as the image does, and PostgreSQL as `postgres`: run it as root');
    }
    dir = mkdtempSync(join(tmpdir(), 'bdr-entrypoint-'));
    chmodSync(dir, 0o755);
    port = await freePort('127.0.0.1');
    const binDir = findPgBinDir();
    const config: BdrNodeConfig = {
      local: { name: 'server1', host: '127.0.0.1', port },
      peer: { name: 'server2', host: '127.0.0.2' },
      apiAddresses: ['127.0.0.1'],
      listenAddresses: '127.0.0.1',
      listenPort: port,
      localAuthMethod: PgAuthMethod.TRUST,
      outputPluginAllowlist: PostgresSettings.describesOutputPluginAllowlist(
        execFileSync(join(binDir, 'postgres'), ['--describe-config'], { encoding: 'utf8' }),
      ),
    };
    const sql = BootstrapSql.render(config);
    cluster = new PostgresCluster({
      name: 'entrypoint',
      baseDir: join(dir, 'pg'),
      binDir,
      port,
      settings: PostgresSettings.render(config),
      hba: PgHba.render(config),
      pgpass: '',
      runAs,
    });
    await cluster.init();
    await cluster.start();
    // The first start: what the image's init script (10-bdr-local.sh) runs on an empty volume.
    await cluster.psql(sql.local, { [BootstrapSql.API_PASSWORD_VAR]: 'first-password', [BootstrapSql.REPLICATION_PASSWORD_VAR]: 'replication-1' });
    await cluster.psql(sql.joined); // it joined its peer long ago

    // What Terraform uploads; the subscribe script stands in for one whose peer exists, and leaves a mark.
    configDir = join(dir, 'bdr');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'bootstrap-local.sql'), sql.local);
    writeFileSync(join(configDir, 'bootstrap-subscribe.sql'), 'CREATE TABLE IF NOT EXISTS entrypoint_subscribed ();\n');
    writeFileSync(join(configDir, 'subscription-watchdog.sql'), 'SELECT 0;\n');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'gosu'), '#!/bin/sh\nuser="$1"; shift\nexec runuser -u "$user" -- "$@"\n', { mode: 0o755 });
    writeFileSync(join(bin, 'docker-entrypoint.sh'), `#!/bin/sh\necho "$*" > ${join(dir, 'exec-args')}\n`, { mode: 0o755 });
  });

  afterAll(async () => {
    await entrypoint?.stop('SIGTERM', 5_000);
    // The detached bootstrap loop leads its own process group (setsid): end the group, sleep and psql included.
    for (const pid of configDir ? pidsMentioning(configDir) : []) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // not a group leader (a psql of the loop's), or already gone
      }
    }
    await cluster?.stop();
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('applies the passwords in its environment, then subscribes, and hands over to the official entrypoint', async () => {
    expect(await canLogIn(port, 'api', 'first-password')).toBe(true);
    entrypoint = ManagedProcess.start({
      name: 'bdr-entrypoint',
      command: 'bash',
      args: [ENTRYPOINT, 'postgres'],
      logFile: join(dir, 'entrypoint.log'),
      env: {
        PATH: `${join(dir, 'bin')}:${dirname(ENTRYPOINT)}:${findPgBinDir()}:${process.env.PATH}`,
        API_PASSWORD: 'rotated-password',
        REPLICATION_PASSWORD: 'replication-2',
        BDR_CONFIG_DIR: configDir,
        BDR_SOCKET_DIR: cluster.socketDir,
        PGPORT: String(port),
        PGPASSFILE: join(dir, 'pgpass'),
      },
    });

    await pollUntil(async () => ((await canLogIn(port, 'api', 'rotated-password')) ? true : undefined), {
      description: 'the API role to take the password from the environment',
      timeoutMs: scaled(20_000),
      intervalMs: 200,
    });
    await pollUntil(
      async () => ((await cluster.query('SELECT to_regclass($1) AS t', ['entrypoint_subscribed'], 'postgres'))[0].t ? true : undefined),
      { description: 'the subscribe step to run after the local bootstrap', timeoutMs: scaled(20_000), intervalMs: 200 },
    );
    expect(await canLogIn(port, 'api', 'first-password')).toBe(false);

    // pglogical's workers read the new replication password from PGPASSFILE, owned by postgres and private.
    const pgpass = join(dir, 'pgpass');
    expect(readFileSync(pgpass, 'utf8')).toBe('*:*:*:replicator:replication-2\n');
    expect([statSync(pgpass).mode & 0o777, statSync(pgpass).uid]).toEqual([0o600, runAs.uid]);
    expect(readFileSync(join(dir, 'exec-args'), 'utf8').trim()).toMatch(/^postgres( -c output_plugin_libraries=.*)?$/);
    // The data already existed, so the rerun changed nothing else: one node, one table in the replication set.
    const node = await cluster.query<{ n: string }>('SELECT count(*) AS n FROM pglogical.node');
    expect(Number(node[0].n)).toBe(1);
    expect(readFileSync(join(dir, 'entrypoint.log'), 'utf8')).toContain('bdr: bootstrapped, and subscribed to the peer');
  });
});
