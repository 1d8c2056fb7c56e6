import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DatabaseSchemas, HaproxyConfig, SchemaMigration } from '../../lib';
import { isSuccess, pollUntil, Probe, ProbeRecord, runChecked, runtimeApiInContainer, spawnCommandRunner } from '../../lib/node-runtime';
import { DockerStage, PostconditionError } from '../support/docker-engine/docker-stage';
import { TerraformJsonDocument } from '../support/docker-engine/terraform-json';
import { STAGE, stageContainers, StageSynth } from './stage-stack';
import { scaled } from '../support/time-scale';

// The shipped images and the containers the constructs synthesize, on a real Docker daemon. `npm run test:docker`
// (scripts/docker-stage.sh) starts the daemon if needed, builds the stand-in base images, and removes everything.
// This proves the images and the containers' behaviour as cdk.tf.json defines them, not the Terraform provider:
// the stage applies the JSON as the provider's source does (docker-stage.ts).

const exec = promisify(execFile);
const registry = process.env.FAILOVER_DOCKER_STAGE_REGISTRY;
// A request that waited out `timeout connect` (500 ms) went to a server that had stopped listening; HAProxy's own
// log says so exactly (`routed`). A tight client-side bound would also count commits stalled on this shared
// machine (three writes on server1 once took 438 to 734 ms, finishing together, while reads took 3 ms), so the
// client-side bound only catches stalls a user would notice.
const CONNECT_TIMEOUT_MS = 500;
const STALL_MS = scaled(1500);

jest.setTimeout(scaled(600_000));

const runtimeApi = runtimeApiInContainer(spawnCommandRunner, stageContainers.haproxy);

function psql(host: string, sql: string): Promise<string> {
  return runChecked(
    spawnCommandRunner,
    'docker',
    [
      'exec',
      '-i',
      '-u',
      'postgres',
      stageContainers.database(host),
      'psql',
      '-X',
      '-q',
      '-t',
      '-A',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      '/var/run/postgresql',
      '-d',
      'api',
    ],
    { input: sql, timeoutMs: scaled(30_000) },
  );
}

async function rowsWith(host: string, ids: string[]): Promise<number> {
  return Number((await psql(host, `SELECT count(*) FROM app.items WHERE id = ANY('{${ids.join(',')}}'::uuid[]);`)).trim());
}

async function waitForStatus(host: string, status: string, timeoutMs: number): Promise<number> {
  await pollUntil(async () => ((await runtimeApi.server(host)).status === status ? true : undefined), {
    description: `haproxy to report ${host} ${status}`,
    timeoutMs,
    intervalMs: 100,
  });
  return Date.now();
}

/** What went wrong under a probe, named, so that a failed expectation says what happened. */
interface ProbeTrouble {
  /** Requests that got no 2xx. */
  readonly failed: string[];
  /** Requests HAProxy retried, or sent to a server that took `timeout connect` or more to accept: from its log. */
  readonly routed: string[];
  /** Requests a client waited STALL_MS or more for. */
  readonly stalled: string[];
}

// An httplog line: client, [date], frontend, backend/server, TR/Tw/Tc/Tr/Ta, status, ... actconn/feconn/beconn/
// srv_conn/retries (with a leading + when redispatched), queues, "request".
const HTTPLOG = /\[([^\]]+)\] \S+ \S+\/(\S+) -?\d+\/-?\d+\/(-?\d+)\/-?\d+\/-?\d+ (\d{3}) .* \d+\/\d+\/\d+\/\d+\/(\+?\d+) \d+\/\d+ "([^"]*)"/;

function trouble(records: ProbeRecord[], haproxyLog: string): ProbeTrouble {
  const logged = haproxyLog
    .split('\n')
    .map((line) => HTTPLOG.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
  // Most of the probe's requests are in the window read, so an empty `routed` is not for want of a log.
  expect(logged.length).toBeGreaterThan(records.length / 2);
  const routed = logged.flatMap(([, at, server, connectMs, status, retries, request]) => {
    const waited = server !== '<NOSRV>' && (Number(connectMs) === -1 || Number(connectMs) >= CONNECT_TIMEOUT_MS);
    return waited || retries !== '0' ? [`${request} at ${at}: ${server}, connect ${connectMs} ms, retries ${retries}, ${status}`] : [];
  });
  return {
    failed: records.filter((r) => !isSuccess(r)).map((r) => `${r.kind} at ${r.at.toFixed(0)} ms: ${r.status || r.error}`),
    routed,
    stalled: records
      .filter((r) => r.latencyMs >= STALL_MS)
      .map((r) => `${r.kind} at ${r.at.toFixed(0)} ms took ${r.latencyMs.toFixed(0)} ms (${r.server})`),
  };
}

/** Every request of the test's probe, one JSON line each, beside the containers' logs a failed file keeps. */
function keepProbeRecords(records: ProbeRecord[]): void {
  const keep = process.env.FAILOVER_KEEP_LOGS;
  if (keep === undefined) {
    return;
  }
  const name = (expect.getState().currentTestName ?? 'probe').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 100);
  mkdirSync(keep, { recursive: true });
  writeFileSync(join(keep, `probe-${name}.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Runs `during` under a probe through HAProxy (20 req/s from 4 clients, 1 in 5 a write); says what went wrong. */
async function underProbe(stage: DockerStage, during: () => Promise<void>): Promise<ProbeTrouble> {
  const started = new Date();
  const probe = new Probe({
    url: `http://127.0.0.1:${STAGE.frontendPort}`,
    intervalMs: 200,
    concurrency: 4,
    writeRatio: 0.2,
    requestTimeoutMs: 10_000,
  });
  probe.start();
  let error: unknown;
  try {
    await during();
    await new Promise((r) => setTimeout(r, 1000)); // traffic after the change too, not only during it
  } catch (err) {
    error = err;
  }
  const records = await probe.stop();
  keepProbeRecords(records);
  if (error !== undefined) {
    throw error;
  }
  expect(records.length).toBeGreaterThan(20);
  return trouble(records, await stage.logs(stageContainers.haproxy, started));
}

describe('the Docker stage: shipped images and synthesized containers on a real engine', () => {
  if (!registry) {
    test('needs the stand-in base images', () => {
      throw new Error('FAILOVER_DOCKER_STAGE_REGISTRY is unset: run this stage through `npm run test:docker`, which builds the stand-in base images');
    });
    return;
  }
  const synth = new StageSynth({ imageRegistry: registry });
  const variables = { api_password: randomBytes(12).toString('hex'), replication_password: `r:@/\\${randomBytes(6).toString('hex')}` };
  const stage = new DockerStage({
    stackDir: synth.stackDir,
    variables,
    imagePrefix: 'cdktf-fa-stage',
    label: 'cdktf-failover-api.docker-stage=true',
    onProgress: (m) => process.stderr.write(`docker stage: ${m}\n`),
  });
  let doc: TerraformJsonDocument;

  beforeAll(async () => {
    doc = synth.synth();
    await stage.apply(doc);
    await waitForStatus('server1', 'UP', 60_000);
    await waitForStatus('server2', 'UP', 60_000);
  });

  afterAll(async () => {
    await stage.destroy();
    synth.remove();
  });

  test('both database nodes bootstrap and replicate both ways; a PUT through HAProxy reaches both', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await psql('server1', `INSERT INTO app.items (id, body, written_by) VALUES ('${a}', 'from server1', 'server1');`);
    await psql('server2', `INSERT INTO app.items (id, body, written_by) VALUES ('${b}', 'from server2', 'server2');`);
    const put = randomUUID();
    const res = await fetch(`http://127.0.0.1:${STAGE.frontendPort}/api/v1/items/${put}`, {
      method: 'PUT',
      body: JSON.stringify({ body: 'through haproxy' }),
    });
    expect(res.status).toBe(201);
    for (const host of ['server1', 'server2']) {
      await pollUntil(async () => ((await rowsWith(host, [a, b, put])) === 3 ? true : undefined), {
        description: `the three rows on ${host}`,
        timeoutMs: scaled(30_000),
        intervalMs: 200,
      });
    }
    expect(await psql('server1', 'SELECT status FROM pglogical.show_subscription_status();')).toBe('replicating\n');
    expect(await psql('server2', 'SELECT status FROM pglogical.show_subscription_status();')).toBe('replicating\n');
    // The watchdog's check for a subscription left on a restarted peer's dead connection: there, and finding none.
    for (const host of ['server1', 'server2']) {
      expect(await psql(host, 'SELECT count(*) FROM failover_api.stale_subscriptions();')).toBe('0\n');
    }
  });

  test('each node checks itself against its peer and logs a row replication did not fix; the next write settles it', async () => {
    const id = randomUUID();
    await psql('server1', `INSERT INTO app.items (id, body, written_by) VALUES ('${id}', 'v1', 'server1');`);
    await pollUntil(async () => ((await rowsWith('server2', [id])) === 1 ? true : undefined), {
      description: 'the row on server2',
      timeoutMs: scaled(30_000),
      intervalMs: 200,
    });
    // Under a replication origin of its own, which pglogical never forwards: a divergence, as a bug would leave.
    await psql(
      'server2',
      [
        "SELECT pg_replication_origin_create('forged') WHERE NOT EXISTS (SELECT FROM pg_replication_origin WHERE roname = 'forged');",
        "SELECT pg_replication_origin_session_setup('forged');",
        `UPDATE app.items SET body = 'server2 only' WHERE id = '${id}';`,
        'SELECT pg_replication_origin_session_reset();',
      ].join('\n'),
    );
    const line = new RegExp(
      `bdr: divergence: app\\.items key ${id} differs from the peer since .* \\(here [0-9a-f]{32}, peer [0-9a-f]{32}\\); repair with`,
    );
    await pollUntil(async () => (line.test(await stage.logs(stageContainers.database('server1'))) ? true : undefined), {
      description: "server1's divergence check to log the row",
      timeoutMs: scaled(4) * STAGE.divergenceCheckSeconds * 1000 + 30_000,
      intervalMs: 500,
    });
    await psql('server1', `UPDATE app.items SET body = 'settled' WHERE id = '${id}';`);
    await pollUntil(async () => ((await psql('server2', `SELECT body FROM app.items WHERE id = '${id}';`)) === 'settled\n' ? true : undefined), {
      description: 'the settling write on server2',
      timeoutMs: scaled(30_000),
      intervalMs: 200,
    });
  });

  test("each node's migrator applies the schema and exits 0; the tables belong to the owner role, in the replication set", async () => {
    for (const host of ['server1', 'server2']) {
      const state = ((await stage.inspect(stageContainers.migrator(host))) as unknown as { State: { Status: string; ExitCode: number } }).State;
      expect(state).toMatchObject({ Status: 'exited', ExitCode: 0 });
      expect(await psql(host, 'SELECT version FROM failover_api.schema_migrations ORDER BY 1;')).toBe('1\n');
      expect(await psql(host, "SELECT tableowner FROM pg_tables WHERE schemaname = 'app';")).toBe('api_owner\n');
      expect(await psql(host, 'SELECT set_reloid::regclass FROM pglogical.replication_set_table;')).toBe('app.items\n');
    }
  });

  const orders: SchemaMigration = { version: 2, name: 'orders', sql: 'CREATE TABLE orders (id uuid PRIMARY KEY, quantity integer NOT NULL);' };
  const withOrders = { migrations: [...DatabaseSchemas.REFERENCE_API.migrations, orders] };

  test('a deploy that appends a migration replaces only the migrators; the new table replicates both ways, and no request fails', async () => {
    let replaced: string[] = [];
    const probed = await underProbe(stage, async () => {
      doc = synth.synth({ schema: withOrders });
      replaced = (await stage.apply(doc)).map((c) => c.name);
    });
    expect(replaced.sort()).toEqual([stageContainers.migrator('server1'), stageContainers.migrator('server2')]);
    const [a, b] = [randomUUID(), randomUUID()];
    await psql('server1', `INSERT INTO app.orders VALUES ('${a}', 1);`);
    await psql('server2', `INSERT INTO app.orders VALUES ('${b}', 2);`);
    for (const host of ['server1', 'server2']) {
      await pollUntil(async () => ((await psql(host, 'SELECT count(*) FROM app.orders;')) === '2\n' ? true : undefined), {
        description: `both orders on ${host}`,
        timeoutMs: scaled(30_000),
        intervalMs: 200,
      });
      expect(await psql(host, 'SELECT version FROM failover_api.schema_migrations ORDER BY 1;')).toBe('1\n2\n');
    }
    expect(probed).toEqual({ failed: [], routed: [], stalled: [] });
  });

  test("a migration that fails fails the deploy, with the migration and its reason in the migrator's logs", async () => {
    const broken: SchemaMigration = { version: 3, name: 'no key', sql: 'CREATE TABLE audit (at timestamptz);' };
    const failing = synth.synth({ schema: { migrations: [...withOrders.migrations, broken] } });
    const failure = await stage.apply(failing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PostconditionError);
    const failed = failure as PostconditionError;
    expect(failed.errorMessage).toContain('a schema migration failed on');
    // The apply stops at the first migrator that fails, as Terraform stops that branch of the graph.
    const failedMigrator = stageContainers.migrator(failed.address.includes('server1') ? 'server1' : 'server2');
    expect(await stage.logs(failedMigrator)).toMatch(/migration 3 \(no key\): table app\.audit has no primary key/);
    for (const host of ['server1', 'server2']) {
      expect(await psql(host, "SELECT to_regclass('app.audit') IS NULL;")).toBe('t\n');
    }
    // Back to the schema that works, as the next deploy would.
    doc = synth.synth({ schema: withOrders });
    expect((await stage.apply(doc)).map((c) => c.name)).toEqual([failedMigrator]);
  });

  test("a node whose volume is lost rejoins: it copies its peer's data before it is ready, and both directions replicate; nothing fails", async () => {
    await psql('server1', "INSERT INTO app.items (body, written_by) SELECT 'before the loss ' || i, 'server1' FROM generate_series(1, 2000) i;");
    const total = async (host: string) => Number((await psql(host, 'SELECT count(*) FROM app.items;')).trim());
    await pollUntil(async () => ((await total('server2')) === (await total('server1')) ? true : undefined), {
      description: "server2 to hold server1's rows",
      timeoutMs: scaled(30_000),
      intervalMs: 200,
    });
    const db = stage.containerAddress(stageContainers.database('server2'));
    const migrator = stage.containerAddress(stageContainers.migrator('server2'));
    const volume = `docker_volume.${Object.keys(stage.resources('docker_volume')).find((n) => (stage.resolved(`docker_volume.${n}`) as { name: string }).name === `${stageContainers.database('server2')}-data`)}`;
    let replaced: string[] = [];
    const probed = await underProbe(stage, async () => {
      await stage.loseVolume(volume, [migrator, db]);
      replaced = (await stage.apply(doc)).map((c) => c.name);
      await pollUntil(
        async () => ((await stage.logs(stageContainers.database('server2'))).includes('bdr: bootstrapped, and joined the peer') ? true : undefined),
        { description: 'the new server2 node to join its peer', timeoutMs: scaled(120_000), intervalMs: 500 },
      );
      await waitForStatus('server2', 'UP', 30_000);
    });
    expect(replaced.sort()).toEqual([stageContainers.database('server2'), stageContainers.migrator('server2')]);
    const log = await stage.logs(stageContainers.database('server2'));
    expect(log).toContain("bdr: a new node next to a peer with data: copying the peer's data");
    expect(await total('server2')).toBe(await total('server1'));
    const id = randomUUID();
    await psql('server2', `INSERT INTO app.items (id, body, written_by) VALUES ('${id}', 'after the rejoin', 'server2');`);
    await pollUntil(async () => ((await rowsWith('server1', [id])) === 1 ? true : undefined), {
      description: 'a write on the rejoined node to reach server1',
      timeoutMs: scaled(30_000),
      intervalMs: 200,
    });
    expect(probed.failed).toEqual([]);
  });

  test("a node away past its peer's WAL limit finds its slot lost, resyncs by itself, and keeps the write its peer had not read; nothing fails", async () => {
    const db2 = stageContainers.database('server2');
    const divergenceLines = (log: string) => log.split('bdr: divergence:').length - 1;
    const divergenceLinesBefore = divergenceLines(await stage.logs(stageContainers.database('server1')));
    const id = randomUUID();
    // A write on server2 that server1 has not read when server2 goes away (server1's stream from it is paused).
    await psql('server1', "SELECT pglogical.alter_subscription_disable('from_server2', true);");
    await psql('server2', `INSERT INTO app.items (id, body, written_by) VALUES ('${id}', 'only on server2', 'server2');`);
    const probed = await underProbe(stage, async () => {
      await exec('docker', ['stop', '-t', '10', db2]);
      await psql('server1', "SELECT pglogical.alter_subscription_enable('from_server2', true);");
      await psql(
        'server1',
        `INSERT INTO app.items (body, written_by) SELECT repeat(md5(i::text), 32), 'bulk' FROM generate_series(1, ${4 * STAGE.walKeepMb * 1024}) i;`,
      );
      await pollUntil(
        async () =>
          (await psql('server1', 'CHECKPOINT; SELECT peer_slot_wal_status FROM failover_api.replication_health();')).trim() === 'lost'
            ? true
            : undefined,
        {
          description: "server1 to report server2's slot lost",
          timeoutMs: scaled(60_000),
          intervalMs: 500,
        },
      );
      await exec('docker', ['start', db2]);
      await pollUntil(async () => ((await stage.logs(db2)).includes('bdr: resynced from the peer, and joined it again') ? true : undefined), {
        description: 'server2 to resync from server1',
        timeoutMs: scaled(180_000),
        intervalMs: 500,
      });
      await waitForStatus('server2', 'UP', 30_000);
    });
    expect(await stage.logs(db2)).toContain("bdr: this node's slot on the peer is lost");
    const total = async (host: string) => Number((await psql(host, 'SELECT count(*) FROM app.items;')).trim());
    await pollUntil(async () => ((await total('server2')) === (await total('server1')) ? true : undefined), {
      description: 'both nodes to hold the same rows',
      timeoutMs: scaled(30_000),
      intervalMs: 500,
    });
    expect({ server1: await rowsWith('server1', [id]), server2: await rowsWith('server2', [id]) }).toEqual({ server1: 1, server2: 1 });
    // The new slot is healthy once a checkpoint has dropped the WAL the lost one held (`unreserved` until then).
    for (const host of ['server1', 'server2']) {
      const health = 'CHECKPOINT; SELECT subscription_status, peer_slot_wal_status FROM failover_api.replication_health();';
      await pollUntil(async () => ((await psql(host, health)).trim() === 'replicating|reserved' ? true : undefined), {
        description: `${host} to replicate from its peer, with the peer's slot reserved`,
        timeoutMs: scaled(30_000),
        intervalMs: 500,
      });
    }
    // server2's copy, one transaction larger than the limit, must not cost server1 its place: server1 has every
    // write, and never resyncs itself from the node that copied it. Nor does its divergence check, which runs
    // every 3 s here, report the rows server2 had not copied yet.
    const db1Log = await stage.logs(stageContainers.database('server1'));
    expect(db1Log).not.toContain("bdr: this node's slot on the peer is lost");
    expect(divergenceLines(db1Log)).toBe(divergenceLinesBefore);
    expect(probed.failed).toEqual([]);
  });

  test('a node bootstraps only after its first init, and its healthcheck logs nothing', async () => {
    for (const host of ['server1', 'server2']) {
      const log = await stage.logs(stageContainers.database(host));
      const initDone = log.indexOf('PostgreSQL init process complete');
      const bootstrapped = log.indexOf('bdr: bootstrapped');
      expect(initDone).toBeGreaterThan(-1);
      expect(bootstrapped).toBeGreaterThan(initDone);
      // As root, pg_isready logged `FATAL: role "root" does not exist` every 5 s; over TCP without a pg_hba
      // line it would log `no pg_hba.conf entry`.
      expect(log).not.toMatch(/FATAL: +(role "root"|no pg_hba\.conf entry|password authentication failed)/);
      expect((await stage.inspect(stageContainers.database(host))).State.Health?.Status).toBe('healthy');
    }
  });

  test('the API containers are healthy on a custom health path, and HAProxy checks the same path', async () => {
    for (const host of ['server1', 'server2']) {
      expect((await stage.inspect(stageContainers.api(host))).State.Health?.Status).toBe('healthy');
    }
    const writer = stage.resolved(stage.containerAddress(stageContainers.writer)) as { upload: { content: string }[] };
    expect(writer.upload[0].content).toContain(`option httpchk GET ${STAGE.healthPath} HTTP/1.0`);
  });

  test('a replaced container drains on SIGTERM, comes back at a new address, and is UP within 2 s of healthy; nothing fails', async () => {
    const name = stageContainers.api('server2');
    const before = await stage.ipAddress(name);
    let healthyAt = 0;
    let upAt = 0;
    const probed = await underProbe(stage, async () => {
      // The daemon would hand the freed address straight back; a bystander takes it, so the new one differs.
      const created = await stage.replace(stage.containerAddress(name), () =>
        stage.bystander(`${STAGE.namePrefix}-bystander`, `${registry}/debian:bookworm-slim`, `${STAGE.namePrefix}-net`),
      );
      healthyAt = created.readyAt;
      upAt = await waitForStatus('server2', 'UP', 30_000);
    });
    const after = await stage.ipAddress(name);
    expect(after).not.toBe(before);
    expect(upAt - healthyAt).toBeLessThanOrEqual(scaled(2000));
    expect(probed).toEqual({ failed: [], routed: [], stalled: [] });
  });

  test("docker stop with Docker's own check first: only HAProxy's check ends the self-drain", async () => {
    const name = stageContainers.api('server1');
    const check = (stage.resolved(stage.containerAddress(name)) as { healthcheck: { test: string[] } }).healthcheck.test.slice(1);
    const backend = `${HaproxyConfig.BACKEND_NAME}/server1`;
    // HAProxy's checks paused, so Docker's check certainly comes first and nothing else ends the drain.
    expect((await runtimeApi.command(`disable health ${backend}`)).trim()).toBe('');
    const stopping = exec('docker', ['stop', name]);
    try {
      await pollUntil(
        () =>
          exec('docker', ['exec', name, ...check]).then(
            () => undefined,
            () => true,
          ),
        { description: `${name} to answer its own healthcheck with the drain's 404`, timeoutMs: scaled(10_000), intervalMs: 50 },
      );
      // Had that 404 counted as HAProxy's, the API would stop listening 0.5 s later, with HAProxy still sending to it.
      const until = Date.now() + 2000;
      while (Date.now() < until) {
        expect((await stage.inspect(name)).State.Status).toBe('running');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      expect((await runtimeApi.command(`enable health ${backend}`)).trim()).toBe('');
    }
    await stopping;
    const drained = /drained in (\d+) ms \(the health check saw the 404 after (\d+) ms/.exec(await stage.logs(name));
    expect(drained).not.toBeNull();
    expect(Number(drained?.[2])).toBeGreaterThanOrEqual(2000);
    // Back as Terraform would bring it: a new container, UP within 2 s of healthy.
    const created = await stage.replace(stage.containerAddress(name));
    const upAt = await waitForStatus('server1', 'UP', 30_000);
    expect(upAt - created.readyAt).toBeLessThanOrEqual(scaled(2000));
  });

  test('a weight change replaces only the config writer, and HAProxy reloads it with no failed request', async () => {
    const haproxyId = ((await stage.inspect(stageContainers.haproxy)) as unknown as { Id: string }).Id;
    let replaced: string[] = [];
    const probed = await underProbe(stage, async () => {
      doc = synth.synth({ weights: [100, 2] });
      replaced = (await stage.apply(doc)).map((c) => c.name);
      await pollUntil(async () => ((await runtimeApi.server('server2')).weight === 2 ? true : undefined), {
        description: 'haproxy to run with server2 at weight 2',
        timeoutMs: scaled(15_000),
        intervalMs: 200,
      });
    });
    expect(replaced).toEqual([stageContainers.writer]);
    expect(((await stage.inspect(stageContainers.haproxy)) as unknown as { Id: string }).Id).toBe(haproxyId);
    expect(await stage.logs(stageContainers.haproxy)).toContain('reloaded');
    expect(probed).toEqual({ failed: [], routed: [], stalled: [] });
  });

  test("a config haproxy -c refuses fails the apply with its reason in the writer's logs, and the running HAProxy keeps its config", async () => {
    // An escape-hatch override gone wrong: the renderer itself only writes configs that pass.
    const broken = JSON.parse(JSON.stringify(doc)) as TerraformJsonDocument;
    const [writerName] = Object.entries(broken.resource.docker_container).find(([, c]) => c.name === stageContainers.writer) ?? [];
    const writer = broken.resource.docker_container[writerName as string] as { upload: { content: string }[] };
    writer.upload[0].content = writer.upload[0].content.replace('    balance roundrobin', '    balance roundrobin\n    no-such-keyword here');
    let failure: unknown;
    const probed = await underProbe(stage, async () => {
      failure = await stage.apply(broken).then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(failure).toBeInstanceOf(PostconditionError);
    expect((failure as PostconditionError).errorMessage).toContain('haproxy -c refused the rendered config');
    expect(await stage.logs(stageContainers.writer)).toMatch(/no-such-keyword/);
    expect((await runtimeApi.server('server2')).weight).toBe(2);
    expect(await stage.logs(stageContainers.haproxy)).not.toContain('haproxy -c refused it');
    expect(probed).toEqual({ failed: [], routed: [], stalled: [] });
  });
});
