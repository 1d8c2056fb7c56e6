import { request } from 'node:http';

/** An answer of the Docker Engine API. */
export interface EngineResponse {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * The Docker Engine API over its unix socket, as the Terraform provider speaks it (it uses the Go client; the
 * calls and bodies here are the same endpoints). Only the calls the Docker stage needs.
 */
export class DockerEngineApi {
  constructor(private readonly socketPath: string = DockerEngineApi.socketFromEnv()) {}

  /** DOCKER_HOST's unix socket, or the default one. */
  static socketFromEnv(env: NodeJS.ProcessEnv = process.env): string {
    const host = env.DOCKER_HOST;
    if (host === undefined || host === '') {
      return '/var/run/docker.sock';
    }
    if (!host.startsWith('unix://')) {
      throw new Error(`the Docker stage talks to a local daemon over its unix socket; DOCKER_HOST is ${host}`);
    }
    return host.slice('unix://'.length);
  }

  call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<EngineResponse> {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: payload === undefined ? {} : { 'content-type': contentType, 'content-length': payload.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A call that must answer 2xx (or one of `alsoOk`); returns the parsed JSON body, if any. */
  async ok<T = unknown>(method: string, path: string, body?: unknown, options: { contentType?: string; alsoOk?: number[] } = {}): Promise<T> {
    const res = await this.call(method, path, body, options.contentType);
    if ((res.status < 200 || res.status >= 300) && !(options.alsoOk ?? []).includes(res.status)) {
      throw new Error(`Docker Engine API ${method} ${path}: ${res.status} ${res.body.toString('utf8').trim()}`);
    }
    const text = res.body.toString('utf8');
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }
}

/** A tar archive of files, as the provider's `upload` sends them (one regular file per entry, mode 0644). */
export function tarOf(files: { path: string; content: string; mode?: number }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const content = Buffer.from(f.content, 'utf8');
    const header = Buffer.alloc(512);
    const put = (text: string, offset: number, length: number) => header.write(text.slice(0, length), offset, length, 'utf8');
    // Octal digits then a NUL (the buffer is zeroed, so writing one byte short leaves it).
    const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');
    if (Buffer.byteLength(f.path) > 100) {
      throw new Error(`tarOf: ${f.path} is longer than a plain tar name (100 bytes)`);
    }
    put(f.path, 0, 100);
    put(octal(f.mode ?? 0o644, 8), 100, 7);
    put(octal(0, 8), 108, 7);
    put(octal(0, 8), 116, 7);
    put(octal(content.length, 12), 124, 11);
    put(octal(Math.floor(Date.now() / 1000), 12), 136, 11);
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\u000000', 257, 8);
    let sum = 0;
    for (const byte of header) {
      sum += byte;
    }
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
