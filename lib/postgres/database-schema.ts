/** One versioned change to the app schema. Applied once per node, in version order, and never edited afterwards. */
export interface SchemaMigration {
  /** A positive integer. Versions ascend through the list; gaps are allowed. */
  readonly version: number;
  /** What it does, in a few words (`create items`); errors name the migration by version and name. */
  readonly name: string;
  /**
   * The SQL: one or more statements, run in one transaction as the schema's owner role, with `search_path` set
   * to the schema. It reaches the peer through pglogical (`replicate_ddl_command`), so keep it to schema changes
   * and deterministic data changes (README, "Your own API"). `CREATE INDEX CONCURRENTLY` cannot run in it.
   */
  readonly sql: string;
}

/** Your API's tables: a schema of its own and the migrations that build it. */
export interface DatabaseSchema {
  /**
   * Schema name. The API role's `search_path` is set to it, so the API can name its tables unqualified.
   * @default 'app'
   */
  readonly name?: string;
  /** The migrations, in ascending version order. A later deploy appends; it never edits or removes one applied. */
  readonly migrations: SchemaMigration[];
}

/** The reference API's table. uuid keys: `serial` keys would collide across the two masters. */
const CREATE_ITEMS = [
  'CREATE TABLE items (',
  '  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),',
  '  body text NOT NULL,',
  '  written_by text NOT NULL,',
  '  created_at timestamptz NOT NULL DEFAULT now()',
  ');',
].join('\n');

/** Schemas the library ships. */
export class DatabaseSchemas {
  /** The reference API's schema: `app`, with one migration that creates `items`. */
  public static readonly REFERENCE_API: DatabaseSchema = {
    name: 'app',
    migrations: [{ version: 1, name: 'create items', sql: CREATE_ITEMS }],
  };

  private constructor() {}
}
