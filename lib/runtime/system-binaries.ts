import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Env var that overrides where the PostgreSQL server binaries are. */
export const PG_BINDIR_ENV = 'FAILOVER_PG_BINDIR';
const SETUP_HINT = 'run `npm run setup` (or: apt-get install haproxy postgresql-15 postgresql-15-pglogical iptables iproute2 socat)';

/**
 * Finds the directory holding initdb and postgres: the env override, then `pg_config --bindir`, then the
 * newest `/usr/lib/postgresql/<version>/bin`.
 */
export function findPgBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (env[PG_BINDIR_ENV]) {
    candidates.push(env[PG_BINDIR_ENV] as string);
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config on PATH
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  if (!found) {
    throw new Error(`PostgreSQL server binaries not found (looked in ${candidates.join(', ') || 'nothing'}); set ${PG_BINDIR_ENV} or ${SETUP_HINT}`);
  }
  return found;
}

/** Path of the haproxy binary, or a clear error. */
export function findHaproxy(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const candidate = join(dir, 'haproxy');
    if (dir && existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error(`haproxy not found on PATH; ${SETUP_HINT}`);
}

/** The uid/gid to run postgres as: the current user, or the `postgres` user when we are root. */
export function postgresRunAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) {
    return {};
  }
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'PostgreSQL refuses to run as root and there is no `postgres` user to run it as; create one (the postgresql-15 package does) or run as an unprivileged user',
    );
  }
}
