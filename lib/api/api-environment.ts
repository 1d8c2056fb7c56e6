/**
 * The environment contract of an API container or process: what the library sets, and what the reference API
 * reads. Your own API image gets the same variables.
 */
export interface ApiEnvironment {
  /** Address to listen on (`HOST`). */
  readonly host: string;
  /** Port to listen on (`PORT`). */
  readonly port: number;
  /** HAProxy's name for this server, also the pglogical node (`SERVER_NAME`). */
  readonly serverName: string;
  /** The version being rolled out (`VERSION`). */
  readonly version: string;
  /** This host's own database node (`DATABASE_URL`). */
  readonly databaseUrl: string;
  /** The path HAProxy health-checks; it answers 404 while the API drains itself (`HEALTH_PATH`). */
  readonly healthPath: string;
  /** Longest the API waits on SIGTERM for HAProxy to see that 404 (`DRAIN_TIMEOUT_MS`, 30000 when unset, as `SelfDrain.timings` gives; 0: no self-drain). */
  readonly drainTimeoutMs: number;
  /** Silence after the 404 before the API stops listening (`DRAIN_QUIET_MS`). */
  readonly drainQuietMs: number;
  /** Time in-flight requests get once it stops listening (`SHUTDOWN_GRACE_MS`). */
  readonly shutdownGraceMs: number;
}

/** The variable names, in the order they are rendered. */
export const API_ENV = {
  host: 'HOST',
  port: 'PORT',
  serverName: 'SERVER_NAME',
  version: 'VERSION',
  databaseUrl: 'DATABASE_URL',
  healthPath: 'HEALTH_PATH',
  drainTimeoutMs: 'DRAIN_TIMEOUT_MS',
  drainQuietMs: 'DRAIN_QUIET_MS',
  shutdownGraceMs: 'SHUTDOWN_GRACE_MS',
} as const;

/** Renders the environment contract, for a container's or a process's env. */
export class ApiEnvironmentContract {
  /** The variable names the contract reserves, in the order they are rendered. */
  public static readonly VARIABLE_NAMES: string[] = Object.values(API_ENV);

  /** The variables, for a process's env. */
  public static variables(env: ApiEnvironment): { [name: string]: string } {
    return Object.fromEntries((Object.keys(API_ENV) as (keyof ApiEnvironment)[]).map((key) => [API_ENV[key], String(env[key])]));
  }

  /** `NAME=value` lines, for a container's env. */
  public static render(env: ApiEnvironment): string[] {
    return Object.entries(ApiEnvironmentContract.variables(env)).map(([name, value]) => `${name}=${value}`);
  }

  private constructor() {}
}

/** @deprecated Use `ApiEnvironmentContract.variables`; this alias goes in 0.3.0. */
export function apiEnvironmentVariables(env: ApiEnvironment): Record<string, string> {
  return ApiEnvironmentContract.variables(env);
}

/** @deprecated Use `ApiEnvironmentContract.render`; this alias goes in 0.3.0. */
export function renderApiEnvironment(env: ApiEnvironment): string[] {
  return ApiEnvironmentContract.render(env);
}

/** Reads the contract back; a missing or malformed variable throws, naming it. */
export function readApiEnvironment(env: Record<string, string | undefined>): ApiEnvironment {
  const text = (key: keyof ApiEnvironment, fallback?: string): string => {
    const value = env[API_ENV[key]] ?? fallback;
    if (value === undefined || value === '') {
      throw new Error(`${API_ENV[key]} must be set`);
    }
    return value;
  };
  const int = (key: keyof ApiEnvironment, fallback: number, max: number): number => {
    const raw = text(key, String(fallback));
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new Error(`${API_ENV[key]} must be an integer from 0 to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const healthPath = text('healthPath', '/check.txt');
  if (!healthPath.startsWith('/')) {
    throw new Error(`${API_ENV.healthPath} must start with '/', got ${JSON.stringify(healthPath)}`);
  }
  return {
    host: text('host', '0.0.0.0'),
    port: int('port', 8080, 65535),
    serverName: text('serverName'),
    version: text('version', 'dev'),
    databaseUrl: text('databaseUrl'),
    healthPath,
    drainTimeoutMs: int('drainTimeoutMs', 30_000, 600_000),
    drainQuietMs: int('drainQuietMs', 500, 60_000),
    shutdownGraceMs: int('shutdownGraceMs', 10_000, 600_000),
  };
}
