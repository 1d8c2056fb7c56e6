import { BdrNodeConfig, PostgresSettings, PgAuthMethod, BootstrapSql, PgHba, renderBootstrapSql, renderPgHba, renderPostgresSettings } from '../../lib';
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
    ]) {
      expect(conf.split('\n')).toContain(line);
    }
    expect(conf).not.toContain('output_plugin_libraries');
  });

  test('servers with the output plugin allowlist get pglogical_output added to it', () => {
    expect(PostgresSettings.render({ ...server1, outputPluginAllowlist: true }))
      .toContain("output_plugin_libraries = 'pgoutput, test_decoding, pglogical_output'");
  });

  test('the allowlist is detected from postgres --describe-config output', () => {
    const old = 'shared_preload_libraries\tpostmaster\tClient\tSTRING\t\t\t\tLists shared libraries\t\n';
    expect(PostgresSettings.describesOutputPluginAllowlist(old)).toBe(false);
    expect(PostgresSettings.describesOutputPluginAllowlist(`${old}output_plugin_libraries\tsighup\tReplication\tSTRING\t\t\t\tTrusted plugins\t\n`)).toBe(true);
  });

  test('pg_hba admits only the peer (database and replication) and the API, with SCRAM', () => {
    const hba = PgHba.render(server1).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
    expect(hba).toEqual([
      ['local', 'all', 'all', 'peer'],
      ['host', 'postgres', 'postgres', '127.0.0.1/32', 'scram-sha-256'],
      ['host', 'api', 'replicator', '10.0.0.6/32', 'scram-sha-256'],
      ['host', 'replication', 'replicator', '10.0.0.6/32', 'scram-sha-256'],
      ['host', 'api', 'api', '172.18.0.0/16', 'scram-sha-256'],
    ]);
  });

  test('bootstrap: node and table in the replication set locally, then a subscription that forwards nothing back', () => {
    const sql = BootstrapSql.render(server1);
    expect(sql.local).toContain("pglogical.create_node(node_name := 'server1', dsn := 'host=10.0.0.5 port=5432 dbname=api user=replicator')");
    expect(sql.local).toContain("pglogical.replication_set_add_table('default', 'public.items', synchronize_data := false)");
    expect(sql.local).toContain('id uuid PRIMARY KEY DEFAULT gen_random_uuid()');
    expect(sql.local).not.toContain('create_subscription');
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

  test('the watchdog re-enables only subscriptions that are down, in the app database', () => {
    const { watchdog } = BootstrapSql.render(server1);
    expect(watchdog).toContain('\\connect api');
    expect(watchdog).toContain("pglogical.alter_subscription_enable(s.subscription_name, true)");
    expect(watchdog).toContain("WHERE s.status = 'down'");
  });

  test('pgpass escapes : and \\', () => {
    expect(BootstrapSql.renderPgpass('replicator', 'a:b\\c')).toBe('*:*:*:replicator:a\\:b\\\\c\n');
  });

  test.each([
    ['same name on both sides', { ...server1, peer: { name: 'server1', host: '10.0.0.6' } }, 'peer.name: must differ from local.name, both are "server1"'],
    ['peer by DNS name without peerAddresses', { ...server1, peer: { name: 'server2', host: 'db2' } }, 'peerAddresses: must be given when peer.host is a DNS name ("db2"): list the addresses or CIDR blocks the peer connects from'],
    ['no API addresses', { ...server1, apiAddresses: [] }, 'apiAddresses: must list at least one IP address or CIDR block'],
    ['bad API CIDR', { ...server1, apiAddresses: ['10.0.0.0/40'] }, 'apiAddresses[0]: must be an IP address or CIDR block such as 10.0.0.0/8, got "10.0.0.0/40"'],
    ['bad port', { ...server1, local: { ...server1.local!, port: 0 } }, 'local.port: must be an integer from 1 to 65535, got 0'],
    ['no local node', { peer: server1.peer, apiAddresses: server1.apiAddresses }, 'local: must be an object { name, host, port? }'],
    ['both local and the deprecated self', { ...server1, self: server1.local }, 'self: is the deprecated name of local: give local only'],
    ['database with a quote', { ...server1, database: "api'; DROP" }, 'database: must be a lowercase SQL identifier: letters, digits and _, at most 63, not starting with a digit, got "api\'; DROP"'],
    ['unknown auth method', { ...server1, localAuthMethod: 'md5' as PgAuthMethod }, "localAuthMethod: must be one of 'scram-sha-256', 'peer', 'trust', got \"md5\""],
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
