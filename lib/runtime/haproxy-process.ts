import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process';

/** HAProxy run in the foreground as a child process, from a config file in `dir`. */
export class HaproxyProcess {
  readonly configFile: string;
  readonly logFile: string;
  private process?: ManagedProcess;

  constructor(private readonly binary: string, private readonly dir: string, config: string) {
    this.configFile = join(dir, 'haproxy.cfg');
    this.logFile = join(dir, 'haproxy.log');
    writeFileSync(this.configFile, config);
  }

  start(): void {
    this.process = ManagedProcess.start({
      name: 'haproxy',
      command: this.binary,
      args: ['-db', '-f', this.configFile],
      logFile: this.logFile,
      cwd: this.dir,
    });
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM', 10_000);
  }
}
