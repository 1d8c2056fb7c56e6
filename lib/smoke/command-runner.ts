import { spawn } from 'node:child_process';

/** What a command printed and how it ended. */
export interface CommandResult {
  /** Exit code; -1 when the command could not be started (e.g. not installed). */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of one command. */
export interface CommandOptions {
  /** Extra env vars, on top of this process's. */
  readonly env?: Record<string, string>;
  /** Text written to the command's stdin. */
  readonly input?: string;
  readonly cwd?: string;
  /**
   * Kill the command after this many milliseconds.
   * @default 600000
   */
  readonly timeoutMs?: number;
  /** Stream the command's output here as it comes (for long deploys). */
  readonly onOutput?: (chunk: string) => void;
}

/** Runs external commands; the Docker driver takes one so its tests can record what it would run. */
export interface CommandRunner {
  run(command: string, args: string[], options?: CommandOptions): Promise<CommandResult>;
}

/** The real runner: spawns the command, never through a shell. */
export const spawnCommandRunner: CommandRunner = {
  run(command, args, options = {}) {
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: options.timeoutMs ?? 600_000,
      });
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        options.onOutput?.(c.toString());
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        options.onOutput?.(c.toString());
      });
      child.on('error', (err) => resolve({ exitCode: -1, stdout, stderr: `${stderr}${err.message}` }));
      child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  },
};

/** Runs a command and throws, quoting its output, unless it exits 0. */
export async function runChecked(runner: CommandRunner, command: string, args: string[], options?: CommandOptions): Promise<string> {
  const result = await runner.run(command, args, options);
  if (result.exitCode !== 0) {
    const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`\`${[command, ...args].join(' ')}\` failed (exit ${result.exitCode}):\n${output}`);
  }
  return result.stdout;
}
