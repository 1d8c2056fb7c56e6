import { COMPARED_TABLES_SQL } from './convergence-sql';
import { BOOKKEEPING_SCHEMA, SCHEMA_CHANGE_LOCK } from './render-schema-migrations';
import { sqlLiteral } from './sql-text';

/**
 * The divergence check the Docker image runs periodically (`divergenceCheckIntervalSeconds`), in SQL so that it
 * needs nothing but the node: `SELECT * FROM failover_api.check_divergence()`, as a superuser. It reaches the peer
 * as its subscription does (the provider's DSN, with the password from the server's PGPASSFILE).
 * - It compares every compared table (the convergence checker's list) row by row with the peer, through dblink,
 *   in the same session settings on both sides.
 * - A difference can be a write still in flight. So each one is remembered with both versions' digests, and
 *   reported only when an earlier check saw exactly the same two versions. A row that changed on either side
 *   meanwhile starts over. What it reports is therefore a difference that replication did not fix.
 * - It only reads the app's tables and writes its own bookkeeping; `verify-replication --repair` repairs.
 */
export const DIVERGENCE_CHECK_FUNCTION = `${BOOKKEEPING_SCHEMA}.check_divergence()`;

// Both sides render rows in the same text form (CONVERGENCE_SESSION_OPTIONS, as settings).
const SESSION_SETTINGS: [string, string][] = [
  ['TimeZone', 'UTC'],
  ['DateStyle', 'ISO, YMD'],
  ['extra_float_digits', '3'],
];

// A node that is joined, and whose stream from its peer is replicating.
const IN_SERVICE_SQL =
  `(SELECT joined FROM ${BOOKKEEPING_SCHEMA}.local_node) AND ` +
  "EXISTS (SELECT FROM pglogical.show_subscription_status() WHERE status = 'replicating')";

/** The check's tables, extension and function: part of the local bootstrap, rerun on every start. */
export function divergenceCheckSql(): string[] {
  const s = BOOKKEEPING_SCHEMA;
  const peerSettings = SESSION_SETTINGS.map(([k, v]) => `SET ${k} = ''${v}''`).join('; ');
  return [
    `CREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA ${s};`,
    `CREATE TABLE IF NOT EXISTS ${s}.divergence (`,
    '  table_name text NOT NULL,',
    '  key text NOT NULL,',
    '  here_digest text,',
    '  peer_digest text,',
    '  first_seen timestamptz NOT NULL,',
    '  PRIMARY KEY (table_name, key)',
    ');',
    `CREATE OR REPLACE FUNCTION ${DIVERGENCE_CHECK_FUNCTION}`,
    '  RETURNS TABLE (table_name text, key text, here_digest text, peer_digest text, since timestamptz)',
    `  LANGUAGE plpgsql SET search_path = pg_catalog, ${s}`,
    ...SESSION_SETTINGS.map(([k, v]) => `  SET ${k} = '${v}'`),
    '  AS $fn$',
    '#variable_conflict use_column',
    'DECLARE',
    '  peer_dsn text := (SELECT provider_dsn FROM pglogical.show_subscription_status() LIMIT 1);',
    '  t text;',
    '  key_expr text;',
    '  rows_sql text;',
    'BEGIN',
    '  CREATE TEMP TABLE IF NOT EXISTS failover_api_current_divergence (table_name text, key text, here_digest text, peer_digest text);',
    '  TRUNCATE failover_api_current_divergence;',
    "  IF peer_dsn IS NULL THEN RAISE EXCEPTION 'this node has no subscription to a peer'; END IF;",
    // The round is skipped while a migration runs, here or on the peer (SCHEMA_CHANGE_LOCK), and unless both
    // nodes are joined and replicate (not copying, resyncing, or cut off: what differs then is not news).
    `  IF NOT pg_try_advisory_xact_lock_shared(${SCHEMA_CHANGE_LOCK}) THEN RETURN; END IF;`,
    `  IF NOT (${IN_SERVICE_SQL}) THEN RETURN; END IF;`,
    "  PERFORM dblink_connect('failover_api_peer', peer_dsn);",
    `  IF NOT (SELECT ok FROM dblink('failover_api_peer',`,
    `      ${sqlLiteral(`SELECT pg_try_advisory_lock_shared(${SCHEMA_CHANGE_LOCK}) AND ${IN_SERVICE_SQL}`)}) AS l(ok boolean)) THEN`,
    "    PERFORM dblink_disconnect('failover_api_peer');",
    '    RETURN;',
    '  END IF;',
    `  PERFORM dblink_exec('failover_api_peer', '${peerSettings}');`,
    `  FOR t IN ${COMPARED_TABLES_SQL.replace(/;$/, '').split('\n').join(' ')} LOOP`,
    // The key's text as the convergence checker gives it: the column, a row of the columns, or the whole row.
    "    SELECT CASE count(*) WHEN 0 THEN 't::text' WHEN 1 THEN format('t.%I::text', min(a.attname))",
    "           ELSE 'row(' || string_agg(format('t.%I', a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum)) || ')::text' END",
    '      INTO key_expr',
    '      FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)',
    '     WHERE i.indrelid = t::regclass AND i.indisprimary;',
    "    rows_sql := format('SELECT (%s) AS key, md5(t::text) AS digest FROM %s t', key_expr, t);",
    "    EXECUTE format('INSERT INTO failover_api_current_divergence'",
    "      || ' SELECT %L, coalesce(h.key, p.key), h.digest, p.digest FROM (%s) h'",
    "      || ' FULL JOIN dblink(%L, %L) AS p(key text, digest text) ON h.key = p.key'",
    "      || ' WHERE h.digest IS DISTINCT FROM p.digest', t, rows_sql, 'failover_api_peer', rows_sql);",
    '  END LOOP;',
    "  PERFORM dblink_disconnect('failover_api_peer');",
    // A row whose versions changed since the last check starts over; one that matches now is forgotten.
    `  DELETE FROM ${s}.divergence d WHERE NOT EXISTS (SELECT FROM failover_api_current_divergence c`,
    '    WHERE c.table_name = d.table_name AND c.key = d.key',
    '      AND c.here_digest IS NOT DISTINCT FROM d.here_digest AND c.peer_digest IS NOT DISTINCT FROM d.peer_digest);',
    `  INSERT INTO ${s}.divergence SELECT c.table_name, c.key, c.here_digest, c.peer_digest, now()`,
    '    FROM failover_api_current_divergence c ON CONFLICT DO NOTHING;',
    '  RETURN QUERY SELECT d.table_name, d.key, d.here_digest, d.peer_digest, d.first_seen',
    `    FROM ${s}.divergence d WHERE d.first_seen < now() ORDER BY 1, 2;`,
    'EXCEPTION WHEN OTHERS THEN',
    "  IF 'failover_api_peer' = ANY (coalesce(dblink_get_connections(), '{}')) THEN",
    "    PERFORM dblink_disconnect('failover_api_peer');",
    '  END IF;',
    '  RAISE;',
    'END',
    '$fn$;',
    `REVOKE ALL ON FUNCTION ${DIVERGENCE_CHECK_FUNCTION} FROM PUBLIC;`,
  ];
}

/** What is still different from the peer, one row each (none when the pair is identical). */
export const DIVERGENCE_CHECK_SQL = `SELECT table_name, key, here_digest, peer_digest, since FROM ${DIVERGENCE_CHECK_FUNCTION};`;
