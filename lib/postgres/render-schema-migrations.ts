import { BDR_NODE_DEFAULTS, ResolvedBdrNode } from './resolve-bdr-node-config';
import { ResolvedMigration } from './resolve-database-schema';
import { sqlLiteral as literal } from './sql-text';

/**
 * How migrations reach both masters. pglogical replicates rows, never DDL, so each migration goes through
 * `pglogical.replicate_ddl_command`: it runs here, and the same call is queued in the replication stream, where
 * the peer runs it in order (before any row written to a table it creates, and after a peer that was away comes
 * back). The call is `failover_api.apply_migration(...)`, which each node's local bootstrap defines, so on each
 * node one function decides, under one lock, whether the migration is new, runs it as the owner, checks what
 * multi-master needs, and adds new tables to that node's replication set in the same transaction.
 */

/** Library bookkeeping lives here, apart from the app schema: never replicated as rows, never the API's. */
export const BOOKKEEPING_SCHEMA = 'failover_api';
/** One row per applied migration, on each node. */
export const MIGRATIONS_TABLE = `${BOOKKEEPING_SCHEMA}.schema_migrations`;
/** True once this node has joined its peer: what an API's health check asks before it answers 200. */
export const READY_FUNCTION = `${BOOKKEEPING_SCHEMA}.ready()`;
/** Marks this node joined, once it replicates from its peer. */
export const MARK_JOINED_SQL = `UPDATE ${BOOKKEEPING_SCHEMA}.local_node SET joined = true WHERE NOT joined;`;
/** What a node must have before its migrations can run: the local bootstrap creates it last. */
export const APPLY_MIGRATION_FUNCTION = `${BOOKKEEPING_SCHEMA}.apply_migration(integer,text,text,text,text)`;

// Advisory-lock class of apply_migration (two-key form: class, version): 'FAPI' in ASCII.
const LOCK_CLASS = 0x46415049;
/**
 * The advisory lock (as pg_advisory_lock's two int4 arguments) a migration holds exclusively and a divergence
 * check shared: a check never reads a table while its ALTER waits for it, which would queue the API's writes
 * behind the ALTER. A check that finds it taken skips its round.
 */
export const SCHEMA_CHANGE_LOCK = `${LOCK_CLASS}, -1`;

/** A dollar-quote tag that does not occur in `text`, so any SQL can be quoted without escaping. */
function dollarQuote(text: string, base: string): string {
  for (let i = 0; ; i++) {
    const tag = `$${base}${i === 0 ? '' : i}$`;
    if (!text.includes(tag)) {
      return `${tag}${text}${tag}`;
    }
  }
}

/** The bookkeeping schema, its tables and functions: part of the local bootstrap, rerun on every start. */
export function migrationFunctionsSql(node: ResolvedBdrNode): string[] {
  const schema = literal(node.schema.name);
  const owner = literal(node.ownerUser);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${BOOKKEEPING_SCHEMA};`,
    `REVOKE ALL ON SCHEMA ${BOOKKEEPING_SCHEMA} FROM PUBLIC;`,
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (`,
    '  version integer PRIMARY KEY,',
    '  name text NOT NULL,',
    '  checksum text NOT NULL,',
    '  applied_at timestamptz NOT NULL DEFAULT now(),',
    // The node whose migrator applied it: the other node ran the same call from the replication stream.
    '  origin text NOT NULL',
    ');',
    // `joined`: false on a new node until it has joined its peer (subscribed, or rejoined with a full copy); its
    // API answers not ready until then. A node from before the column existed had joined long ago.
    `CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_SCHEMA}.local_node (`,
    '  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),',
    '  node_name text NOT NULL,',
    '  sequence_residue integer NOT NULL,',
    '  joined boolean NOT NULL DEFAULT false',
    ');',
    `ALTER TABLE ${BOOKKEEPING_SCHEMA}.local_node ADD COLUMN IF NOT EXISTS joined boolean NOT NULL DEFAULT true;`,
    `ALTER TABLE ${BOOKKEEPING_SCHEMA}.local_node ALTER COLUMN joined SET DEFAULT false;`,
    // The resync's drain (resyncDrainSeconds): the migrator sets it, so a new health check changes no database container.
    `ALTER TABLE ${BOOKKEEPING_SCHEMA}.local_node ADD COLUMN IF NOT EXISTS resync_drain_seconds integer NOT NULL DEFAULT ${BDR_NODE_DEFAULTS.resyncDrainSeconds};`,
    `INSERT INTO ${BOOKKEEPING_SCHEMA}.local_node (node_name, sequence_residue) VALUES (${literal(node.local.name)}, ${node.sequenceResidue})`,
    '  ON CONFLICT (only_row) DO UPDATE SET node_name = EXCLUDED.node_name, sequence_residue = EXCLUDED.sequence_residue;',
    // The readiness an API's health check asks for (README, "Your own API"): its own role may call it.
    `CREATE OR REPLACE FUNCTION ${READY_FUNCTION} RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $fn$`,
    `  SELECT coalesce((SELECT joined FROM ${BOOKKEEPING_SCHEMA}.local_node), false)`,
    '$fn$;',
    `REVOKE ALL ON FUNCTION ${READY_FUNCTION} FROM PUBLIC;`,
    `GRANT USAGE ON SCHEMA ${BOOKKEEPING_SCHEMA} TO ${node.apiUser};`,
    `GRANT EXECUTE ON FUNCTION ${READY_FUNCTION} TO ${node.apiUser};`,
    // Raises if the node recorded this version with another checksum; true when it is applied.
    `CREATE OR REPLACE FUNCTION ${BOOKKEEPING_SCHEMA}.migration_applied(p_version integer, p_name text, p_checksum text)`,
    '  RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$',
    'DECLARE',
    '  recorded record;',
    'BEGIN',
    `  SELECT name, checksum, origin INTO recorded FROM ${MIGRATIONS_TABLE} WHERE version = p_version;`,
    '  IF NOT FOUND THEN',
    '    RETURN false;',
    '  END IF;',
    '  IF recorded.checksum <> p_checksum THEN',
    "    RAISE EXCEPTION 'migration % (%) changed after it was applied (as %, by %): recorded checksum %, now %',",
    `      p_version, p_name, recorded.name, recorded.origin, recorded.checksum, p_checksum`,
    "      USING HINT = 'Migrations are append-only: restore the applied text, and put the change in a new migration with the next version.';",
    '  END IF;',
    '  RETURN true;',
    'END $fn$;',
    `CREATE OR REPLACE FUNCTION ${BOOKKEEPING_SCHEMA}.apply_migration(p_version integer, p_name text, p_checksum text, p_origin text, p_sql text)`,
    '  RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$',
    'DECLARE',
    `  v_schema regnamespace := to_regnamespace(${schema});`,
    '  v_residue integer;',
    '  v_node text;',
    '  t record;',
    '  s record;',
    '  v_next bigint;',
    'BEGIN',
    // One at a time per version on this node: this node's migrator and its apply worker (running the peer's
    // queued call) may both arrive; the second sees the first's row.
    `  PERFORM pg_advisory_xact_lock(${SCHEMA_CHANGE_LOCK});`,
    `  PERFORM pg_advisory_xact_lock(${LOCK_CLASS}, p_version);`,
    `  IF ${BOOKKEEPING_SCHEMA}.migration_applied(p_version, p_name, p_checksum) THEN`,
    '    RETURN false;',
    '  END IF;',
    '  IF v_schema IS NULL THEN',
    `    RAISE EXCEPTION 'schema % does not exist on this node: its local bootstrap has not run', ${schema};`,
    '  END IF;',
    `  SELECT node_name, sequence_residue INTO v_node, v_residue FROM ${BOOKKEEPING_SCHEMA}.local_node;`,
    // A busy table's ACCESS EXCLUSIVE lock: fail the migration rather than queue every API query behind it.
    "  PERFORM set_config('lock_timeout', '5s', true);",
    `  PERFORM set_config('search_path', format('%I', ${schema}), true);`,
    `  PERFORM set_config('role', ${owner}, true);`,
    '  BEGIN',
    '    EXECUTE p_sql;',
    '  EXCEPTION WHEN OTHERS THEN',
    "    RAISE EXCEPTION 'migration % (%) failed on %: %', p_version, p_name, v_node, SQLERRM",
    "      USING ERRCODE = SQLSTATE, HINT = 'Nothing of it was applied. Fix it (it was never recorded, so it may change) and deploy again.';",
    '  END;',
    "  PERFORM set_config('role', 'none', true);",
    "  PERFORM set_config('search_path', 'pg_catalog', true);",
    // pglogical replicates UPDATE and DELETE by primary key; without one they fail on the peer.
    "  FOR t IN SELECT c.oid::regclass AS tbl FROM pg_class c WHERE c.relnamespace = v_schema AND c.relkind IN ('r', 'p')",
    '      AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) ORDER BY c.relname LOOP',
    "    RAISE EXCEPTION 'migration % (%): table % has no primary key', p_version, p_name, t.tbl",
    "      USING HINT = 'pglogical replicates UPDATE and DELETE by primary key: give every table in the schema one (uuid DEFAULT gen_random_uuid() is collision-free across masters).';",
    '  END LOOP;',
    // Keys from a sequence (serial, identity, nextval defaults): both masters would hand out the same values
    // unless each node takes its own residue of an INCREMENT of at least 2.
    '  FOR s IN',
    '    SELECT DISTINCT c.oid::regclass AS tbl, a.attname AS col, q.oid::regclass AS seq, sq.seqincrement AS inc',
    '      FROM pg_class c',
    '      JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary',
    '      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)',
    "      JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND (",
    // identity: the sequence depends internally on the column
    "             (d.classid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid = a.attnum AND d.deptype = 'i')",
    // serial or nextval default: the column's default depends on the sequence
    "          OR (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT ad.oid FROM pg_attrdef ad WHERE ad.adrelid = c.oid AND ad.adnum = a.attnum)))",
    "      JOIN pg_class q ON q.oid = CASE WHEN d.classid = 'pg_class'::regclass THEN d.objid ELSE d.refobjid END AND q.relkind = 'S'",
    '      JOIN pg_sequence sq ON sq.seqrelid = q.oid',
    "     WHERE c.relnamespace = v_schema AND c.relkind IN ('r', 'p') LOOP",
    '    IF s.inc < 2 THEN',
    "      RAISE EXCEPTION 'migration % (%): table %, key column %, takes its values from sequence % with INCREMENT %: both masters would hand out the same keys', p_version, p_name, s.tbl, s.col, s.seq, s.inc",
    "        USING HINT = 'Use uuid keys (uuid DEFAULT gen_random_uuid()), or give the sequence INCREMENT BY 2 (or more) and the library starts it at a different offset on each node.';",
    '    END IF;',
    "    EXECUTE format('SELECT CASE WHEN is_called THEN last_value + %s ELSE last_value END FROM %s', s.inc, s.seq) INTO v_next;",
    '    IF ((v_next % s.inc) + s.inc) % s.inc <> v_residue % s.inc THEN',
    '      PERFORM setval(s.seq, v_next + (((v_residue - v_next) % s.inc) + s.inc) % s.inc, false);',
    '    END IF;',
    '  END LOOP;',
    // In the same transaction as the table itself: no row of it is ever written outside the replication set.
    "  FOR t IN SELECT c.oid::regclass AS tbl FROM pg_class c WHERE c.relnamespace = v_schema AND c.relkind = 'r'",
    '      AND NOT EXISTS (SELECT FROM pglogical.replication_set_table r WHERE r.set_reloid = c.oid) ORDER BY c.relname LOOP',
    "    PERFORM pglogical.replication_set_add_table('default', t.tbl, synchronize_data := false);",
    '  END LOOP;',
    `  INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum, origin) VALUES (p_version, p_name, p_checksum, p_origin);`,
    '  RETURN true;',
    'END $fn$;',
    `REVOKE ALL ON FUNCTION ${APPLY_MIGRATION_FUNCTION}, ${BOOKKEEPING_SCHEMA}.migration_applied(integer,text,text) FROM PUBLIC;`,
  ];
}

/** One migration's statement in the migrate script: skipped when recorded, else applied and queued for the peer. */
function migrationStatement(m: ResolvedMigration, origin: string): string {
  const args = `${m.version}, ${literal(m.name)}, ${literal(m.checksum)}`;
  const call = `SELECT ${BOOKKEEPING_SCHEMA}.apply_migration(${args}, ${literal(origin)}, ${dollarQuote(m.sql, 'migration')})`;
  return [
    `SELECT CASE WHEN ${BOOKKEEPING_SCHEMA}.migration_applied(${args}) THEN 'already applied'`,
    `  WHEN pglogical.replicate_ddl_command(${dollarQuote(call, 'queued')}, ARRAY['default']) THEN 'applied' END`,
    `  AS "migration ${m.version}: ${m.name.replace(/"/g, "'")}";`,
  ].join('\n');
}

/** The migrate script: checks every applied migration's checksum first, then applies the new ones in order. */
export function migrateScript(node: ResolvedBdrNode): string {
  const migrations = node.schema.migrations;
  return (
    [
      '\\set ON_ERROR_STOP on',
      `\\connect ${node.database}`,
      // An edited migration fails the deploy before anything new is applied.
      ...migrations.map(
        (m) => `SELECT ${BOOKKEEPING_SCHEMA}.migration_applied(${m.version}, ${literal(m.name)}, ${literal(m.checksum)}) \\g /dev/null`,
      ),
      ...migrations.map((m) => migrationStatement(m, node.local.name)),
      `UPDATE ${BOOKKEEPING_SCHEMA}.local_node SET resync_drain_seconds = ${node.resyncDrainSeconds};`,
    ].join('\n') + '\n'
  );
}
