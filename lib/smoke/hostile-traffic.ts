import { connect, Socket } from 'node:net';

/** Where hostile traffic goes: HAProxy's frontend. */
export interface HostileTarget {
  readonly host: string;
  readonly port: number;
}

/** What a burst of requests to one path got. */
export interface RequestSpamResult {
  readonly requests: number;
  /** Status code (or `transport error`) → count. */
  readonly statusCounts: Record<string, number>;
}

/** What many slow or idle connections saw. */
export interface SlowConnectionsResult {
  /** Connections that were established. */
  readonly opened: number;
  /** Connections the client could not establish within the run. */
  readonly notOpened: number;
  /** Connections HAProxy closed before the run ended. */
  readonly closedByServer: number;
  /** Longest a connection stayed open before HAProxy closed it, in ms (0 when none was closed). */
  readonly maxOpenMs: number;
  /** First response line → count (e.g. `HTTP/1.1 408 Request Time-out`), for connections that got one. */
  readonly responses: Record<string, number>;
  /** Connections still open when the run ended, which it then closed itself. */
  readonly stillOpenAtEnd: number;
}

/** Sends `GET url` at `ratePerSecond` for `durationMs` without waiting for answers (an abusive client). */
export async function requestSpam(
  url: string,
  options: { ratePerSecond: number; durationMs: number; timeoutMs?: number },
): Promise<RequestSpamResult> {
  const statusCounts: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  const count = Math.max(1, Math.round((options.ratePerSecond * options.durationMs) / 1000));
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / options.ratePerSecond;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    pending.push(
      fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) }).then(
        async (res) => {
          await res.arrayBuffer();
          statusCounts[String(res.status)] = (statusCounts[String(res.status)] ?? 0) + 1;
        },
        () => {
          statusCounts['transport error'] = (statusCounts['transport error'] ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { requests: count, statusCounts };
}

/**
 * Opens `connections` connections, `batch` at a time, and holds each for at most `durationMs`: with
 * `trickleMs`, each sends a request's headers one byte every `trickleMs` and never finishes them (slowloris);
 * without, it sends nothing (a connection flood). Resolves when every connection is closed.
 */
export async function slowConnections(
  target: HostileTarget,
  options: { connections: number; durationMs: number; trickleMs?: number; batch?: number },
): Promise<SlowConnectionsResult> {
  const responses: Record<string, number> = {};
  let opened = 0;
  let closedByServer = 0;
  let maxOpenMs = 0;
  const sockets: Socket[] = [];
  const done: Promise<void>[] = [];
  const deadline = performance.now() + options.durationMs;
  let ending = false;
  const batch = options.batch ?? 200;
  for (let i = 0; i < options.connections && performance.now() < deadline; i += batch) {
    for (let j = i; j < Math.min(options.connections, i + batch); j++) {
      const socket = connect({ host: target.host, port: target.port });
      sockets.push(socket);
      done.push(
        new Promise((resolve) => {
          let openedAt = 0;
          let timer: NodeJS.Timeout | undefined;
          let firstLine = '';
          socket.on('connect', () => {
            opened++;
            openedAt = performance.now();
            if (options.trickleMs !== undefined) {
              socket.write('GET /hostile/slowloris HTTP/1.1\r\nHost: hostile\r\nX-Slow: ');
              timer = setInterval(() => socket.write('a'), options.trickleMs);
            }
          });
          socket.on('data', (chunk) => {
            firstLine ||= chunk.toString('latin1').split('\r\n')[0];
          });
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearInterval(timer);
            if (openedAt > 0 && !ending) {
              closedByServer++;
              maxOpenMs = Math.max(maxOpenMs, performance.now() - openedAt);
            }
            if (firstLine) {
              responses[firstLine] = (responses[firstLine] ?? 0) + 1;
            }
            resolve();
          });
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  // Wait for HAProxy to close them, up to the deadline; then close the rest ourselves.
  while (performance.now() < deadline && sockets.some((s) => !s.destroyed)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  ending = true;
  const stillOpenAtEnd = sockets.filter((s) => !s.destroyed).length;
  sockets.forEach((s) => s.destroy());
  await Promise.all(done);
  return { opened, notOpened: sockets.length - opened, closedByServer, maxOpenMs: Math.round(maxOpenMs), responses, stillOpenAtEnd };
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;

/** Sends each raw request on a connection of its own; resolves with each one's status code, or `closed`/`timeout`. */
export function rawRequests(target: HostileTarget, requests: readonly string[], timeoutMs = 5000): Promise<string[]> {
  return Promise.all(
    requests.map(
      (request) =>
        new Promise<string>((resolve) => {
          const socket = connect({ host: target.host, port: target.port });
          let answer = '';
          const timer = setTimeout(() => {
            socket.destroy();
            resolve('timeout');
          }, timeoutMs);
          const status = () => STATUS_LINE.exec(answer)?.[1];
          // The client half-closes only once answered. One that announces a body and half-closes before sending
          // it has truncated its own request, and HAProxy then sometimes drops its 413 (11 to 76 in 2,000, measured).
          socket.on('connect', () => socket.write(request));
          socket.on('data', (chunk) => {
            answer += chunk.toString('latin1');
            if (!socket.writableEnded && status() !== undefined) {
              socket.end();
            }
          });
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearTimeout(timer);
            resolve(status() ?? 'closed');
          });
        }),
    ),
  );
}

/** Requests over the default limits that no API should ever see, each carrying `marker` in its path. */
export function oversizedRequests(marker: string): { name: string; request: string }[] {
  const host = 'Host: hostile\r\n';
  return [
    { name: 'headers over maxHeaderBytes', request: `GET /hostile/${marker}/headers HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(10_000)}\r\n\r\n` },
    // Headers only: HAProxy answers on them, and a body still being sent when it closes would reset the answer.
    { name: 'Content-Length over maxBodyBytes', request: `PUT /hostile/${marker}/body HTTP/1.1\r\n${host}Content-Length: 2000000\r\n\r\n` },
  ];
}

/** Request-smuggling attempts, each hiding a second request whose path carries `marker`. */
export function smugglingRequests(marker: string): { name: string; request: string }[] {
  const host = 'Host: hostile\r\n';
  const inner = `GET /hostile/${marker}/smuggled HTTP/1.1\r\n${host}\r\n`;
  return [
    {
      name: 'CL.TE',
      request: `POST /hostile/${marker}/cl-te HTTP/1.1\r\n${host}Content-Length: ${5 + inner.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner}`,
    },
    {
      name: 'TE.CL',
      request: `POST /hostile/${marker}/te-cl HTTP/1.1\r\n${host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`,
    },
    {
      name: 'two Content-Lengths',
      request: `POST /hostile/${marker}/cl-cl HTTP/1.1\r\n${host}Content-Length: 0\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
    },
    {
      name: 'obfuscated Transfer-Encoding',
      request: `POST /hostile/${marker}/te-obf HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\nTransfer-encoding: identity\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
    },
    {
      name: 'space before the colon',
      request: `POST /hostile/${marker}/te-space HTTP/1.1\r\n${host}Transfer-Encoding : chunked\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
    },
  ];
}
