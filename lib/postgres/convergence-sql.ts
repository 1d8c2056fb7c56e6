import { BOOKKEEPING_SCHEMA } from './render-schema-migrations';
import { quoteIdent } from './sql-text';

/**
 * SQL the convergence checker runs on each node of a pair. Both nodes run the same statements in the same
 * session settings (UTC, ISO dates), so equal rows give equal text and equal digests.
 */

/** Session settings (libpq `options`, or PGOPTIONS) that make a row's text form the same on every node. */
export const CONVERGENCE_SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3';

/**
 * The tables compared, as `schema.table`, one per row (`table`): every table in a pglogical replication set, and
 * every other table outside PostgreSQL's, pglogical's and this library's own schemas. A table of the app schema
 * that is missing from the replication set is compared too, so it shows up as differing instead of being skipped.
 */
export const COMPARED_TABLES_SQL = [
  'SELECT DISTINCT format(\'%I.%I\', n.nspname, c.relname) AS "table"',
  '  FROM pg_class c',
  '  JOIN pg_namespace n ON n.oid = c.relnamespace',
  " WHERE c.relkind = 'r' AND (",
  '        c.oid IN (SELECT set_reloid FROM pglogical.replication_set_table)',
  `     OR (n.nspname NOT IN ('pg_catalog', 'information_schema', 'pglogical', '${BOOKKEEPING_SCHEMA}') AND n.nspname NOT LIKE 'pg\\_%'))`,
  ' ORDER BY 1;',
].join('\n');

/** The primary-key columns of the table in `$1` (`schema.table`), in key order, one per row (`column`). */
export const PRIMARY_KEY_SQL = [
  'SELECT a.attname AS "column"',
  '  FROM pg_index i',
  '  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)',
  ' WHERE i.indrelid = $1::regclass AND i.indisprimary',
  ' ORDER BY array_position(i.indkey::int2[], a.attnum);',
].join('\n');

// Without a primary key (which migrations refuse, but a table made by hand may lack), the whole row is the key.
function keyExpression(keyColumns: readonly string[]): string {
  return keyColumns.length === 0 ? 't::text' : keyColumns.map((c) => `t.${quoteIdent(c)}`).join(', ');
}

/** One row: `rows` (count) and `digest` (md5 over every row's md5, in key order). `table` is `schema.table`, already quoted. */
export function tableDigestSql(table: string, keyColumns: readonly string[]): string {
  return `SELECT count(*) AS rows, coalesce(md5(string_agg(md5(t::text), '' ORDER BY ${keyExpression(keyColumns)})), '') AS digest FROM ${table} t;`;
}

/** One row per table row: `key` (the key's text) and `digest` (md5 of the row). */
export function rowDigestsSql(table: string, keyColumns: readonly string[]): string {
  const key =
    keyColumns.length === 0
      ? 't::text'
      : keyColumns.length === 1
        ? `t.${quoteIdent(keyColumns[0])}::text`
        : `row(${keyExpression(keyColumns)})::text`;
  return `SELECT (${key}) AS key, md5(t::text) AS digest FROM ${table} t;`;
}

/** Lines pglogical logs for each conflict it resolves (`pglogical.conflict_log_level`, LOG by default). */
export const CONFLICT_LOG_LINE = /CONFLICT: remote (INSERT|UPDATE|DELETE) on relation (\S+) .*Resolution: (\w+)\./;

/**
 * One row per table row, for a repair: `key`, `digest`, `committed` (the commit timestamp of the row's last
 * write, in microseconds since the epoch, from track_commit_timestamp) and `row` (the row as JSON).
 */
export function rowVersionsSql(table: string, keyColumns: readonly string[]): string {
  const key = keyColumns.length === 1 ? `t.${quoteIdent(keyColumns[0])}::text` : `row(${keyExpression(keyColumns)})::text`;
  return `SELECT (${key}) AS key, md5(t::text) AS digest, coalesce((extract(epoch FROM pg_xact_commit_timestamp(t.xmin)) * 1000000)::bigint, 0)::text AS committed, row_to_json(t)::text AS row FROM ${table} t;`;
}

/** The columns a repair writes of the table in `$1` (`schema.table`), in order, one per row (`column`): not dropped, not generated. */
export const WRITABLE_COLUMNS_SQL = [
  'SELECT attname AS "column" FROM pg_attribute',
  " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
  ' ORDER BY attnum;',
].join('\n');

/** Writes one row, given as JSON in `$1`, whether or not a row with its key exists: a repair's write. */
export function upsertRowSql(table: string, keyColumns: readonly string[], columns: readonly string[]): string {
  const cols = columns.map(quoteIdent).join(', ');
  const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
  return (
    `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM json_populate_record(NULL::${table}, $1::json)` +
    ` ON CONFLICT (${keyColumns.map(quoteIdent).join(', ')}) DO ${updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'};`
  );
}
