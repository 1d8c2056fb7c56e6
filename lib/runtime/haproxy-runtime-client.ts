import { connect } from 'node:net';

/** One backend server as the runtime API's `show stat` reports it. */
export interface HaproxyServerState {
  readonly name: string;
  /** `UP`, `DOWN`, `MAINT`, `DRAIN`, or a transition such as `UP 1/3`. */
  readonly status: string;
  readonly weight: number;
  /** Sessions currently open on the server (`scur`). */
  readonly currentSessions: number;
}

/** Admin states a server can be set to through the runtime API. */
export enum ServerAdminState {
  READY = 'ready',
  DRAIN = 'drain',
  MAINT = 'maint',
}

/** Sends one runtime API command and returns the reply; the local runtime and `docker exec` both implement it. */
export type RuntimeApiTransport = (command: string) => Promise<string>;

/** Parses `show stat` CSV into the servers of one backend. */
export function parseShowStat(csv: string, backend: string): HaproxyServerState[] {
  const lines = csv.split('\n').filter((l) => l.length > 0);
  const header = lines[0]?.replace(/^# /, '').split(',');
  if (!header || !header.includes('svname')) {
    throw new Error(`unexpected 'show stat' reply: ${csv.slice(0, 200)}`);
  }
  const col = (name: string) => header.indexOf(name);
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[col('pxname')] === backend && f[col('svname')] !== 'BACKEND' && f[col('svname')] !== 'FRONTEND')
    .map((f) => ({
      name: f[col('svname')],
      status: f[col('status')],
      weight: Number(f[col('weight')]),
      currentSessions: Number(f[col('scur')]),
    }));
}

/** Client of HAProxy's runtime API (the admin `stats socket`). */
export class HaproxyRuntimeClient {
  constructor(
    private readonly transport: RuntimeApiTransport,
    private readonly backend: string,
  ) {}

  /** A transport over a local unix socket. */
  static unixSocket(path: string, timeoutMs = 3000): RuntimeApiTransport {
    return (command) =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = connect(path);
        socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`runtime API at ${path} did not answer '${command}' in ${timeoutMs} ms`)));
        socket.on('connect', () => socket.end(`${command}\n`));
        socket.on('data', (c) => chunks.push(c));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
  }

  async servers(): Promise<HaproxyServerState[]> {
    return parseShowStat(await this.transport('show stat'), this.backend);
  }

  async server(name: string): Promise<HaproxyServerState> {
    const found = (await this.servers()).find((s) => s.name === name);
    if (!found) {
      throw new Error(`no server ${name} in backend ${this.backend}`);
    }
    return found;
  }

  async setState(name: string, state: ServerAdminState): Promise<void> {
    const reply = (await this.transport(`set server ${this.backend}/${name} state ${state}`)).trim();
    if (reply.length > 0) {
      throw new Error(`runtime API refused 'set server ${this.backend}/${name} state ${state}': ${reply}`);
    }
  }

  /** Raw reply of any command, e.g. `show table api_backend`. */
  command(command: string): Promise<string> {
    return this.transport(command);
  }
}
