import { join } from 'node:path';
import { ApiEnvironmentContract } from '../api/api-environment';
import { SelfDrainTimings } from '../haproxy/self-drain';
import { findCompiledEntry } from './compiled-entry';
import { ManagedProcess } from './managed-process';
import { logTail } from './log-tail';
import { pollUntil } from '../polling/poll';

/** The compiled reference API entry: beside this file in dist/, or in dist/ when running from sources. */
export function findApiEntry(): string {
  return findCompiledEntry('api/main.js', 'reference API');
}

/** Settings of one reference API process. */
export interface ApiProcessOptions {
  readonly serverName: string;
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly logDir: string;
  readonly entry: string;
  /** The path HAProxy health-checks, where the API answers 404 while it drains itself. */
  readonly healthPath: string;
  /** The self-drain timings, derived from the health check. */
  readonly drain: SelfDrainTimings;
  /** Serve the reference API's always-failing test endpoint (`API_TEST_FAIL_ENDPOINT=1`). */
  readonly testFailEndpoint?: boolean;
}

/** One reference API server as a child process; restartable with a new version. */
export class ApiProcess {
  private process?: ManagedProcess;
  private currentVersion = '';

  constructor(private readonly options: ApiProcessOptions) {}

  get version(): string {
    return this.currentVersion;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  get logFile(): string {
    return join(this.options.logDir, `api-${this.options.serverName}.log`);
  }

  get url(): string {
    return `http://${this.options.host}:${this.options.port}`;
  }

  /** Starts the process and waits until it listens. */
  async start(version: string, timeoutMs = 15_000): Promise<void> {
    const o = this.options;
    this.currentVersion = version;
    this.process = ManagedProcess.start({
      name: `api ${this.options.serverName}`,
      command: process.execPath,
      args: [this.options.entry],
      logFile: this.logFile,
      env: {
        PATH: process.env.PATH,
        ...(o.testFailEndpoint ? { API_TEST_FAIL_ENDPOINT: '1' } : {}),
        ...ApiEnvironmentContract.variables({
          host: o.host,
          port: o.port,
          serverName: o.serverName,
          version,
          databaseUrl: o.databaseUrl,
          healthPath: o.healthPath,
          drainTimeoutMs: o.drain.drainTimeoutMs,
          drainQuietMs: o.drain.quietMs,
          shutdownGraceMs: o.drain.shutdownGraceMs,
        }),
      },
    });
    await pollUntil(
      async () => {
        const res = await fetch(`${this.url}/api/v1/system/health`, { signal: AbortSignal.timeout(1000) });
        return res.ok ? true : undefined;
      },
      {
        description: `api ${this.options.serverName} to listen`,
        timeoutMs,
        giveUpIf: () => (this.running ? undefined : `api ${this.options.serverName} exited during start:\n${logTail(this.logFile)}`),
      },
    );
  }

  /** SIGTERM is the graceful stop (self-drain, then in-flight requests finish); SIGKILL simulates a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.process?.stop(signal, this.options.drain.stopTimeoutSeconds * 1000);
  }
}
