import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { ExitCleanupStage, onExit } from './exit-cleanup';

/** How to start one long-running child process. */
export interface ManagedProcessOptions {
  /** Shown in errors and progress. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** File stdout and stderr are appended to. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Run as this user (e.g. postgres, which refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
}

/** A child process we started and therefore stop, by pid. */
export class ManagedProcess {
  readonly pid: number;
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(readonly options: ManagedProcessOptions) {
    const log = openSync(options.logFile, 'a');
    try {
      this.child = spawn(options.command, [...options.args], {
        env: options.env ?? process.env,
        cwd: options.cwd,
        uid: options.uid,
        gid: options.gid,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    if (this.child.pid === undefined) {
      throw new Error(`${options.name}: could not start ${options.command}`);
    }
    this.pid = this.child.pid;
    // If this process dies without a teardown, its children must not outlive it.
    const pid = this.pid;
    const forget = onExit(ExitCleanupStage.KILL_PROCESSES, () => process.kill(pid, 'SIGKILL'));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        forget();
        resolve();
      });
      this.child.once('error', () => {
        this.exitCode = -1;
        forget();
        resolve();
      });
    });
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    return new ManagedProcess(options);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs. Safe to call on an exited process. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    if (!this.running) {
      return;
    }
    this.child.kill(signal);
    if (await this.waitForExit(timeoutMs)) {
      return;
    }
    this.child.kill('SIGKILL');
    await this.waitForExit(5_000);
  }

  /** Resolves true once the process has exited, false if `timeoutMs` passed first. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }
}
