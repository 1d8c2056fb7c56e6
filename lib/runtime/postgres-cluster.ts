import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, QueryResultRow } from 'pg';
import { ManagedProcess } from './managed-process';
import { logTail } from './log-tail';
import { pollUntil } from '../polling/poll';

const execFileAsync = promisify(execFile);

/** One PostgreSQL cluster run as a child process, in a directory of its own. */
export interface PostgresClusterOptions {
  readonly name: string;
  /** Directory for data, socket and log; created if missing. */
  readonly baseDir: string;
  readonly binDir: string;
  readonly port: number;
  /** Appended to postgresql.conf (rendered by `PostgresSettings.render`). */
  readonly settings: string;
  /** Replaces pg_hba.conf (rendered by `PgHba.render`). */
  readonly hba: string;
  /** Content of the PGPASSFILE the server's workers read (rendered by `BootstrapSql.renderPgpass`). */
  readonly pgpass: string;
  readonly runAs: { uid?: number; gid?: number };
}

export class PostgresCluster {
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  private readonly pgpassFile: string;
  private process?: ManagedProcess;

  constructor(readonly options: PostgresClusterOptions) {
    this.dataDir = join(options.baseDir, 'data');
    this.socketDir = join(options.baseDir, 'socket');
    this.logFile = join(options.baseDir, 'postgres.log');
    this.pgpassFile = join(options.baseDir, 'pgpass');
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** initdb, then our settings, pg_hba and pgpass. */
  async init(): Promise<void> {
    const { uid, gid } = this.options.runAs;
    mkdirSync(this.socketDir, { recursive: true });
    writeFileSync(this.pgpassFile, this.options.pgpass, { mode: 0o600 });
    writeFileSync(this.logFile, '');
    if (uid !== undefined && gid !== undefined) {
      for (const path of [this.options.baseDir, this.socketDir, this.pgpassFile, this.logFile]) {
        chownSync(path, uid, gid);
      }
    }
    await execFileAsync(
      join(this.options.binDir, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync'],
      { uid, gid, env: { ...process.env, LC_ALL: 'C' } },
    );
    appendFileSync(join(this.dataDir, 'postgresql.conf'), `\n${this.options.settings}unix_socket_directories = '${this.socketDir}'\nfsync = off\n`);
    writeFileSync(join(this.dataDir, 'pg_hba.conf'), this.options.hba);
  }

  /** Deletes the data directory, as a lost disk would; `init()` makes a new one. The server must be stopped. */
  wipe(): void {
    if (this.running) {
      throw new Error(`postgres ${this.options.name} is running: stop it before wiping its data`);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Starts the server and waits until it accepts connections. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) {
      return;
    }
    this.process = ManagedProcess.start({
      name: `postgres ${this.options.name}`,
      command: join(this.options.binDir, 'postgres'),
      args: ['-D', this.dataDir],
      logFile: this.logFile,
      env: { ...process.env, PGPASSFILE: this.pgpassFile, LC_ALL: 'C' },
      ...this.options.runAs,
    });
    await pollUntil(async () => ((await this.query('SELECT 1 AS ok', [], 'postgres')).length === 1 ? true : undefined), {
      description: `postgres ${this.options.name} to accept connections`,
      timeoutMs,
      giveUpIf: () => (this.running ? undefined : `postgres ${this.options.name} exited during start:\n${logTail(this.logFile)}`),
    });
  }

  /** `fast` rolls back open transactions and exits cleanly; `immediate` is a crash (recovery on next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.process?.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT', 30_000);
  }

  /** Runs a psql script as the superuser over the private unix socket, with psql variables. */
  async psql(script: string, variables: Record<string, string> = {}): Promise<string> {
    const args = ['-X', '-q', '-h', this.socketDir, '-p', String(this.options.port), '-U', 'postgres', '-d', 'postgres'];
    for (const [k, v] of Object.entries(variables)) {
      args.push('-v', `${k}=${v}`);
    }
    return new Promise((resolve, reject) => {
      const child = execFile(join(this.options.binDir, 'psql'), args, { env: { ...process.env, PGCONNECT_TIMEOUT: '5' } }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`psql on ${this.options.name} failed: ${stderr || err.message}`));
        } else {
          resolve(stdout);
        }
      });
      child.stdin?.end(script);
    });
  }

  /** Whether the server accepts connections at `host` (pg_isready, waiting at most 1 s), as a peer reaches it. */
  acceptsConnections(host: string): Promise<boolean> {
    return new Promise((resolve) => {
      execFile(join(this.options.binDir, 'pg_isready'), ['-q', '-t', '1', '-h', host, '-p', String(this.options.port)], (err) => resolve(!err));
    });
  }

  /** One query as the superuser over the unix socket, on a fresh connection (with libpq `options`, if given). */
  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = [], database = 'api', options?: string): Promise<R[]> {
    const client = new Client({ host: this.socketDir, port: this.options.port, user: 'postgres', database, connectionTimeoutMillis: 3000, options });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
}
