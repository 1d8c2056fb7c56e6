import {
  BdrNodeConfig,
  DatabaseSchemas,
  PostgresSettings,
  PgAuthMethod,
  BootstrapSql,
  PgHba,
  renderBootstrapSql,
  renderPgHba,
  renderPostgresSettings,
} from '../../lib';
import { ValidationError } from '../../lib/node-runtime';

const server1: BdrNodeConfig = {
  local: { name: 'server1', host: '10.0.0.5' },
  peer: { name: 'server2', host: '10.0.0.6' },
  apiAddresses: ['172.18.0.0/16'],
};

describe('postgres node renderers', () => {
  test('settings turn on logical replication, pglogical and last_update_wins with commit timestamps', () => {
    const conf = PostgresSettings.render(server1);
    for (const line of [
      'wal_level = logical',
      'shared_preload_libraries = pglogical',
      'track_commit_timestamp = on',
      'pglogical.conflict_resolution = last_update_wins',
      'max_replication_slots = 10',
      'max_wal_senders = 10',
      'max_worker_processes = 10',
      "listen_addresses = '*'",
      'port = 5432',
      "max_slot_wal_keep_size = '10240MB'",
    ]) {
      expect(conf.split('\n')).toContain(line);
    }
    expect(conf).not.toContain('output_plugin_libraries');
  });

  test('the WAL a slot may keep is bounded by default, and -1 lifts the bound', () => {
    expect(PostgresSettings.render({ ...server1, maxSlotWalKeepSizeMb: 64 })).toContain("max_slot_wal_keep_size = '64MB'\n");
    expect(PostgresSettings.render({ ...server1, maxSlotWalKeepSizeMb: -1 })).toContain("max_slot_wal_keep_size = '-1'\n");
  });

  test('servers with the output plugin allowlist get pglogical_output added to it', () => {
    expect(PostgresSettings.render({ ...server1, outputPluginAllowlist: true })).toContain(
      "output_plugin_libraries = 'pgoutput, test_decoding, pglogical_output'",
    );
  });

  test('the allowlist is detected from postgres --describe-config output', () => {
    const old = 'shared_preload_libraries\tpostmaster\tClient\tSTRING\t\t\t\tLists shared libraries\t\n';
    expect(PostgresSettings.describesOutputPluginAllowlist(old)).toBe(false);
    expect(
      PostgresSettings.describesOutputPluginAllowlist(`${old}output_plugin_libraries\tsighup\tReplication\tSTRING\t\t\t\tTrusted plugins\t\n`),
    ).toBe(true);
  });

  test('pg_hba admits only the peer (database and replication) and the API, with SCRAM', () => {
    const hba = PgHba.render(server1)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/));
    expect(hba).toEqual([
      ['local', 'all', 'all', 'peer'],
      ['host', 'postgres,api', 'postgres', '127.0.0.1/32', 'scram-sha-256'],
      ['host', 'api', 'replicator', '10.0.0.6/32', 'scram-sha-256'],
      ['host', 'replication', 'replicator', '10.0.0.6/32', 'scram-sha-256'],
      ['host', 'api', 'api', '172.18.0.0/16', 'scram-sha-256'],
    ]);
  });

  test('bootstrap: the node, the schema and its roles locally, a subscription that forwards nothing back, then the migrations', () => {
    const sql = BootstrapSql.render(server1);
    expect(sql.local).toContain("pglogical.create_node(node_name := 'server1', dsn := 'host=10.0.0.5 port=5432 dbname=api user=replicator')");
    expect(sql.local).toContain('CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION api_owner;');
    expect(sql.local).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE api_owner IN SCHEMA app GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO api;');
    expect(sql.local).toContain('ALTER ROLE api IN DATABASE api SET search_path = app;');
    // The tables come from the migrations, not the bootstrap.
    expect(sql.local).not.toContain('CREATE TABLE IF NOT EXISTS app.');
    expect(sql.local).not.toContain('create_subscription');
    expect(sql.migrate).toContain('id uuid PRIMARY KEY DEFAULT gen_random_uuid()');
    expect(sql.migrate).toContain("pglogical.replicate_ddl_command($queued$SELECT failover_api.apply_migration(1, 'create items', ");
    expect(sql.migrate).toContain("ARRAY['default'])");
    expect(sql.subscribe).toContain("subscription_name := 'from_server2'");
    expect(sql.subscribe).toContain("provider_dsn := 'host=10.0.0.6 port=5432 dbname=api user=replicator'");
    expect(sql.subscribe).toContain("forward_origins := '{}'");
    expect(sql.subscribe).toContain('synchronize_data := false');
    // Passwords come from psql variables, never from the rendered text.
    expect(sql.local).toContain(":'replication_password'");
    expect(sql.local).toContain(":'api_password'");
    // Every run sets them, even on roles that exist: the image reruns this script on every start.
    expect(sql.local).toContain("SELECT format('ALTER ROLE %I PASSWORD %L', 'replicator', :'replication_password') \\gexec");
    expect(sql.local).toContain("SELECT format('ALTER ROLE %I PASSWORD %L', 'api', :'api_password') \\gexec");
  });

  test('migrations: checksums are checked first, then each is applied once and queued for the peer, whatever its SQL quotes', () => {
    const tricky = "CREATE TABLE notes (id uuid PRIMARY KEY, body text DEFAULT $migration$it's$migration$);";
    const { migrate } = BootstrapSql.render({
      ...server1,
      schema: { name: 'shop', migrations: [...DatabaseSchemas.REFERENCE_API.migrations, { version: 2, name: 'notes', sql: tricky }] },
    });
    const lines = migrate.split('\n');
    expect(lines.slice(0, 2)).toEqual(['\\set ON_ERROR_STOP on', '\\connect api']);
    // Every check comes before the first apply, so an edited migration fails before anything new runs.
    const lastCheck = lines.map((l, i) => (l.includes('\\g /dev/null') ? i : -1)).reduce((a, b) => Math.max(a, b));
    expect(lastCheck).toBeLessThan(lines.findIndex((l) => l.includes('replicate_ddl_command')));
    // The SQL's own dollar quote does not end the quoting around it.
    expect(migrate).toContain(`$migration1$${tricky}$migration1$`);
    expect(BootstrapSql.render({ ...server1, schema: { name: 'shop', migrations: [{ version: 1, name: 'x', sql: 'SELECT 1' }] } }).local).toContain(
      'CREATE SCHEMA IF NOT EXISTS shop AUTHORIZATION api_owner;',
    );
  });

  test('the watchdog restarts only subscriptions that are down (disable, then enable), in the app database', () => {
    const { watchdog, local } = BootstrapSql.render(server1);
    expect(watchdog).toContain('\\connect api');
    expect(watchdog).toContain("WHERE s.status = 'down'");
    expect(watchdog.indexOf('alter_subscription_disable')).toBeGreaterThan(0);
    expect(watchdog.indexOf('alter_subscription_enable')).toBeGreaterThan(watchdog.indexOf('alter_subscription_disable'));
    expect(local).toContain('CREATE TABLE IF NOT EXISTS failover_api.subscription_kick');
  });

  test('pgpass escapes : and \\', () => {
    expect(BootstrapSql.renderPgpass('replicator', 'a:b\\c')).toBe('*:*:*:replicator:a\\:b\\\\c\n');
  });

  test.each([
    [
      'same name on both sides',
      { ...server1, peer: { name: 'server1', host: '10.0.0.6' } },
      'peer.name: must differ from local.name, both are "server1"',
    ],
    [
      'peer by DNS name without peerAddresses',
      { ...server1, peer: { name: 'server2', host: 'db2' } },
      'peerAddresses: must be given when peer.host is a DNS name ("db2"): list the addresses or CIDR blocks the peer connects from',
    ],
    ['no API addresses', { ...server1, apiAddresses: [] }, 'apiAddresses: must list at least one IP address or CIDR block'],
    [
      'bad API CIDR',
      { ...server1, apiAddresses: ['10.0.0.0/40'] },
      'apiAddresses[0]: must be an IP address or CIDR block such as 10.0.0.0/8, got "10.0.0.0/40"',
    ],
    ['bad port', { ...server1, local: { ...server1.local!, port: 0 } }, 'local.port: must be an integer from 1 to 65535, got 0'],
    ['no local node', { peer: server1.peer, apiAddresses: server1.apiAddresses }, 'local: must be an object { name, host, port? }'],
    ['both local and the deprecated self', { ...server1, self: server1.local }, 'self: is the deprecated name of local: give local only'],
    [
      'database with a quote',
      { ...server1, database: "api'; DROP" },
      'database: must be a lowercase SQL identifier: letters, digits and _, at most 63, not starting with a digit, got "api\'; DROP"',
    ],
    [
      'unknown auth method',
      { ...server1, localAuthMethod: 'md5' as PgAuthMethod },
      "localAuthMethod: must be one of 'scram-sha-256', 'peer', 'trust', got \"md5\"",
    ],
    [
      'the owner role named as the API role',
      { ...server1, ownerUser: 'api' },
      'ownerUser: must differ from apiUser, both are "api": each role has its own rights',
    ],
    [
      'a reserved schema',
      { ...server1, schema: { name: 'public', migrations: DatabaseSchemas.REFERENCE_API.migrations } },
      'schema.name: must not be "public": public, pglogical, failover_api, information_schema and pg_* are kept by PostgreSQL, pglogical and this library; choose a schema of your own, such as \'app\'',
    ],
    [
      'a WAL limit below one segment',
      { ...server1, maxSlotWalKeepSizeMb: 8 },
      'maxSlotWalKeepSizeMb: must be -1 (no limit) or an integer from 16 (one WAL segment) to 16777216, got 8',
    ],
    [
      'a divergence check interval that is not whole seconds',
      { ...server1, divergenceCheckIntervalSeconds: 0.5 },
      'divergenceCheckIntervalSeconds: must be an integer from 0 to 86400, got 0.5',
    ],
    ['no migrations', { ...server1, schema: { migrations: [] } }, 'schema.migrations: must list at least one migration { version, name, sql }'],
    [
      'a duplicate version',
      {
        ...server1,
        schema: {
          migrations: [
            { version: 1, name: 'a', sql: 'SELECT 1' },
            { version: 1, name: 'b', sql: 'SELECT 2' },
          ],
        },
      },
      'schema.migrations[1].version: must be unique, but version 1 is also migrations[0] ("a"); give the new migration the next free version',
    ],
    [
      'versions out of order',
      {
        ...server1,
        schema: {
          migrations: [
            { version: 3, name: 'a', sql: 'SELECT 1' },
            { version: 2, name: 'b', sql: 'SELECT 2' },
          ],
        },
      },
      'schema.migrations[1].version: must be greater than the version before it (3): list migrations in the order they apply',
    ],
    [
      'a version that is not a positive integer',
      { ...server1, schema: { migrations: [{ version: 1.5, name: 'a', sql: 'SELECT 1' }] } },
      'schema.migrations[0].version: must be an integer from 1 to 2147483647, got 1.5',
    ],
    [
      'empty SQL',
      { ...server1, schema: { migrations: [{ version: 7, name: 'nothing', sql: '  ' }] } },
      'schema.migrations[0].sql: of migration 7 ("nothing") must be SQL text, got "  "',
    ],
  ])('rejects %s', (_label, props, message) => {
    for (const render of [PostgresSettings.render, PgHba.render, BootstrapSql.render]) {
      expect(() => render(props as BdrNodeConfig)).toThrow(ValidationError);
      expect(() => render(props as BdrNodeConfig)).toThrow(new Error(message));
    }
  });

  test('the deprecated names still render the same text until 0.3.0', () => {
    const { local, ...rest } = server1;
    const legacy = { ...rest, self: local };
    expect(renderPostgresSettings(legacy)).toBe(PostgresSettings.render(server1));
    expect(renderPgHba(legacy)).toBe(PgHba.render(server1));
    expect(renderBootstrapSql(legacy)).toEqual(BootstrapSql.render(server1));
  });
});
