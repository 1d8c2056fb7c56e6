import { spawnSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process';
import { HaproxyRuntimeClient } from './haproxy-runtime-client';
import { pollUntil } from '../polling/poll';

/** A config `haproxy -c` refused; the running HAProxy keeps its old config. */
export class HaproxyConfigRejectedError extends Error {
  constructor(readonly output: string) {
    super(`haproxy -c refused the new config, so the running haproxy keeps the old one:\n${output.trim()}`);
    this.name = 'HaproxyConfigRejectedError';
  }
}

/**
 * HAProxy in master-worker mode (`-W`), in the foreground, from a config file in `dir`. A reload re-executes the
 * master, which starts a new worker on the same listening sockets (handed over through the stats socket's
 * `expose-fd listeners`) while the old worker finishes its connections: no connection is refused or cut.
 */
export class HaproxyProcess {
  readonly configFile: string;
  readonly logFile: string;
  /** Where the servers' states are saved before a reload, for `server-state-file`. */
  readonly serverStateFile: string;
  private process?: ManagedProcess;

  constructor(
    private readonly binary: string,
    private readonly dir: string,
    config: string,
  ) {
    this.configFile = join(dir, 'haproxy.cfg');
    this.logFile = join(dir, 'haproxy.log');
    this.serverStateFile = join(dir, 'server-state');
    writeFileSync(this.configFile, config);
    writeFileSync(this.serverStateFile, '');
  }

  start(): void {
    this.process = ManagedProcess.start({
      name: 'haproxy',
      command: this.binary,
      args: ['-W', '-db', '-f', this.configFile],
      logFile: this.logFile,
      cwd: this.dir,
    });
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /**
   * Writes a config beside the running one and runs the real `haproxy -c` over it. Returns the checked file;
   * throws `HaproxyConfigRejectedError` with haproxy's words if it is invalid.
   */
  check(config: string): string {
    const candidate = join(this.dir, 'haproxy.cfg.new');
    writeFileSync(candidate, config);
    const result = spawnSync(this.binary, ['-c', '-q', '-f', candidate], { encoding: 'utf8', timeout: 20_000 });
    if (result.error || result.status !== 0) {
      throw new HaproxyConfigRejectedError(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`);
    }
    return candidate;
  }

  /**
   * Hitless reload: validates the config, saves the servers' states, swaps the file in, signals the master,
   * and waits until a new worker answers the runtime API. A config `haproxy -c` refuses is never applied.
   */
  async reload(config: string, runtimeApi: HaproxyRuntimeClient, timeoutMs = 15_000): Promise<void> {
    if (!this.process?.running) {
      throw new Error('haproxy is not running');
    }
    const checked = this.check(config);
    const before = await workerPid(runtimeApi);
    writeFileSync(this.serverStateFile, await runtimeApi.command('show servers state'));
    renameSync(checked, this.configFile);
    process.kill(this.process.pid, 'SIGUSR2');
    await pollUntil(async () => ((await workerPid(runtimeApi)) !== before ? true : undefined), {
      description: 'a new haproxy worker to answer the runtime API after the reload',
      timeoutMs,
      intervalMs: 50,
    });
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM', 10_000);
  }
}

async function workerPid(runtimeApi: HaproxyRuntimeClient): Promise<string> {
  const pid = /^Pid: (\d+)$/m.exec(await runtimeApi.command('show info'))?.[1];
  if (!pid) {
    throw new Error("the runtime API's 'show info' has no Pid line");
  }
  return pid;
}
