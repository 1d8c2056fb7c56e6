import { createHash } from 'node:crypto';
import { checkInteger, checkPattern } from '../validation/checks';
import { ValidationError } from '../validation/validation-error';
import { DatabaseSchema, DatabaseSchemas } from './database-schema';

/** A migration after validation, with its checksum. Internal to the renderers. */
export interface ResolvedMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** sha256 of `sql`, hex: what a node records, so an edited migration is caught. */
  readonly checksum: string;
}

export interface ResolvedDatabaseSchema {
  readonly name: string;
  readonly migrations: ResolvedMigration[];
}

export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export const PG_IDENTIFIER_ALLOWED = 'a lowercase SQL identifier: letters, digits and _, at most 63, not starting with a digit';
/** Schemas PostgreSQL, pglogical and this library keep for themselves. */
const RESERVED_SCHEMAS = ['public', 'pglogical', 'failover_api', 'information_schema'];

export function resolveDatabaseSchema(field: string, schema: DatabaseSchema | undefined): ResolvedDatabaseSchema {
  const s = schema ?? DatabaseSchemas.REFERENCE_API;
  if (s === null || typeof s !== 'object') {
    throw new ValidationError(field, 'must be an object { name?, migrations }');
  }
  const name = checkPattern(`${field}.name`, s.name ?? 'app', PG_IDENTIFIER, PG_IDENTIFIER_ALLOWED);
  if (RESERVED_SCHEMAS.includes(name) || name.startsWith('pg_')) {
    throw new ValidationError(
      `${field}.name`,
      `must not be ${JSON.stringify(name)}: ${RESERVED_SCHEMAS.join(', ')} and pg_* are kept by PostgreSQL, pglogical and this library; choose a schema of your own, such as 'app'`,
    );
  }
  if (!Array.isArray(s.migrations) || s.migrations.length === 0) {
    throw new ValidationError(`${field}.migrations`, 'must list at least one migration { version, name, sql }');
  }
  const seen = new Map<number, number>();
  const migrations = s.migrations.map((m, i) => {
    const at = `${field}.migrations[${i}]`;
    if (m === null || typeof m !== 'object') {
      throw new ValidationError(at, 'must be an object { version, name, sql }');
    }
    const version = checkInteger(`${at}.version`, m.version, 1, 2_147_483_647);
    const first = seen.get(version);
    if (first !== undefined) {
      throw new ValidationError(
        `${at}.version`,
        `must be unique, but version ${version} is also migrations[${first}] (${JSON.stringify(s.migrations[first].name)}); give the new migration the next free version`,
      );
    }
    const previous = i > 0 ? s.migrations[i - 1].version : 0;
    if (version <= previous) {
      throw new ValidationError(`${at}.version`, `must be greater than the version before it (${previous}): list migrations in the order they apply`);
    }
    seen.set(version, i);
    const migrationName = checkPattern(`${at}.name`, m.name, /^[^\n\r]{1,100}$/, '1-100 characters on one line');
    if (typeof m.sql !== 'string' || m.sql.trim() === '') {
      throw new ValidationError(
        `${at}.sql`,
        `of migration ${version} (${JSON.stringify(migrationName)}) must be SQL text, got ${JSON.stringify(m.sql)}`,
      );
    }
    return { version, name: migrationName, sql: m.sql, checksum: createHash('sha256').update(m.sql).digest('hex') };
  });
  return { name, migrations };
}
