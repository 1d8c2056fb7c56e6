import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';

/** Settings of the reference API server; `main.ts` reads them from env. */
export interface ApiServerOptions {
  /** Address to listen on. */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Name reported in responses and the `x-served-by` header. */
  readonly serverName: string;
  /** Version string reported by the health endpoint. */
  readonly version: string;
  /** Connection string of this host's own database node. */
  readonly databaseUrl: string;
  /**
   * Milliseconds to let in-flight requests finish on shutdown before connections are cut.
   * @default 10000
   */
  readonly shutdownGraceMs?: number;
  /**
   * The path HAProxy health-checks: 200 while the database answers, 404 while draining.
   * @default '/check.txt'
   */
  readonly healthPath?: string;
  /**
   * Longest `drainAndClose()` answers 404 on the health path waiting for HAProxy to notice. 0 skips the drain.
   * @default 0
   */
  readonly drainTimeoutMs?: number;
  /**
   * Once HAProxy has seen the 404, milliseconds without a request before the API stops listening.
   * @default 500
   */
  readonly drainQuietMs?: number;
  /**
   * Serve `GET /api/v1/test/fail`, which always answers 500: an endpoint with a bug, for the hostile-traffic
   * tests (a client hammering it must not take the API down). Set by `API_TEST_FAIL_ENDPOINT=1`.
   * @default false
   */
  readonly testFailEndpoint?: boolean;
}

/** What a self-drain saw, for the log. */
export interface DrainReport {
  /** Milliseconds from SIGTERM until HAProxy's health check got the 404; undefined if none came. */
  readonly checkSeenAfterMs?: number;
  /** Milliseconds the whole drain took, before the API stopped listening. */
  readonly drainedAfterMs: number;
  /** Requests other than health checks served while draining. */
  readonly servedWhileDraining: number;
}

/**
 * The header HAProxy's rendered health check sends (lib/haproxy/self-drain.ts, SELF_DRAIN_CHECK_HEADER; a test
 * keeps the two equal). This file ships alone in the API image, so it cannot import it.
 */
export const HAPROXY_CHECK_HEADER = { name: 'x-failover-check', value: 'haproxy' };

/**
 * The health path's readiness query: false while this host's database node is still joining its peer (a rebuilt
 * node copying its peer's data), so HAProxy sends it nothing until it holds what its peer holds. The function is
 * READY_FUNCTION in lib/postgres/render-schema-migrations.ts; a test keeps the two equal.
 */
export const READINESS_QUERY = 'SELECT failover_api.ready() AS ready';

/** The reference API's always-failing endpoint, served only with `testFailEndpoint`. */
export const TEST_FAIL_PATH = '/api/v1/test/fail';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY_BYTES = 64 * 1024;
const POOL_SIZE = 10;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The reference API: the smoke tests' workload and the default API image.
 * Each instance talks only to its own host's database node; pglogical carries writes to the peer.
 */
export class ApiServer {
  private readonly pool: Pool;
  private readonly server: Server;
  private shuttingDown = false;
  private closing?: Promise<void>;
  private draining?: { since: number; checkSeenAt?: number; lastRequestAt: number; served: number };

  constructor(private readonly options: ApiServerOptions) {
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      max: POOL_SIZE,
      connectionTimeoutMillis: 1000,
      query_timeout: 2000,
      idleTimeoutMillis: 10_000,
    });
    // A dropped idle connection (database restarted) must not crash the process.
    this.pool.on('error', () => undefined);
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    // Longer than HAProxy's idle reuse, so HAProxy is not the one racing a close.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  /** Opens the pool's connections, then starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    await this.warmPool();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * A fresh process would otherwise open its database connections (SCRAM authentication each) under the first
   * burst of traffic HAProxy sends it. A database that is down now is no reason not to start: the pool reconnects.
   */
  private async warmPool(): Promise<void> {
    const clients = await Promise.allSettled(Array.from({ length: POOL_SIZE }, () => this.pool.connect()));
    for (const c of clients) {
      if (c.status === 'fulfilled') {
        c.value.release();
      }
    }
  }

  /**
   * The self-drain, for any orchestrator's SIGTERM: answer 404 on the health path so HAProxy (with
   * `http-check disable-on-404`) stops sending new requests, keep serving whatever still arrives until HAProxy
   * has seen the 404 and `drainQuietMs` passed without a request (or `drainTimeoutMs` ran out), then `close()`.
   */
  async drainAndClose(): Promise<DrainReport> {
    const since = Date.now();
    const timeoutMs = this.options.drainTimeoutMs ?? 0;
    const quietMs = this.options.drainQuietMs ?? 500;
    const drain = (this.draining ??= { since, lastRequestAt: 0, served: 0 });
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = Date.now();
        const quiet = drain.checkSeenAt !== undefined && now - Math.max(drain.checkSeenAt, drain.lastRequestAt) >= quietMs;
        if (quiet || now - drain.since >= timeoutMs) {
          resolve();
        } else {
          setTimeout(tick, 20);
        }
      };
      tick();
    });
    const report = {
      checkSeenAfterMs: drain.checkSeenAt === undefined ? undefined : drain.checkSeenAt - drain.since,
      drainedAfterMs: Date.now() - drain.since,
      servedWhileDraining: drain.served,
    };
    await this.close();
    return report;
  }

  /** Graceful stop: refuse new connections, finish in-flight requests, close the pool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.shuttingDown = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const grace = setTimeout(() => this.server.closeAllConnections(), this.options.shutdownGraceMs ?? 10_000);
    await closed;
    clearTimeout(grace);
    await this.pool.end();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-served-by', this.options.serverName);
    if (this.shuttingDown) {
      res.setHeader('connection', 'close');
    }
    try {
      const { status, body } = await this.route(req);
      this.send(res, status, body);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 503;
      this.send(res, status, { error: (err as Error).message, server: this.options.serverName });
    }
  }

  private async route(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (path === (this.options.healthPath ?? '/check.txt') && (method === 'GET' || method === 'HEAD')) {
      if (this.draining) {
        if (req.headers[HAPROXY_CHECK_HEADER.name] === HAPROXY_CHECK_HEADER.value) {
          this.draining.checkSeenAt ??= Date.now();
        }
        return { status: 404, body: 'draining' };
      }
      // HAProxy's check asks for readiness: no traffic until this host's node has joined its peer. Any other GET
      // (Docker's healthcheck, which a deploy's wait needs, also on a first deploy before the peer exists) asks
      // only whether the API and its database answer.
      if (req.headers[HAPROXY_CHECK_HEADER.name] === HAPROXY_CHECK_HEADER.value) {
        const { rows } = await this.pool.query<{ ready: boolean }>(READINESS_QUERY);
        if (rows[0]?.ready !== true) {
          throw new HttpError(503, "not ready: this host's database node is still joining its peer");
        }
      } else {
        await this.pool.query('SELECT 1');
      }
      return { status: 200, body: 'OK' };
    }
    if (this.draining) {
      this.draining.lastRequestAt = Date.now();
      this.draining.served++;
    }
    if (path === TEST_FAIL_PATH && method === 'GET' && this.options.testFailEndpoint) {
      return { status: 500, body: { error: 'this endpoint always fails (API_TEST_FAIL_ENDPOINT)', server: this.options.serverName } };
    }
    if (path === '/api/v1/system/health' && method === 'GET') {
      return { status: 200, body: { status: 'ok', server: this.options.serverName, version: this.options.version } };
    }
    if (path === '/api/v1/items' && method === 'POST') {
      const input = await readJson(req);
      const text = typeof input.body === 'string' ? input.body : '';
      // `items`, unqualified: the API role's search_path names the schema (DatabaseSchemas.REFERENCE_API).
      const result = await this.pool.query<{ id: string }>('INSERT INTO items (body, written_by) VALUES ($1, $2) RETURNING id', [
        text,
        this.options.serverName,
      ]);
      return { status: 201, body: { id: result.rows[0].id, server: this.options.serverName } };
    }
    const item = /^\/api\/v1\/items\/([^/]+)$/.exec(path);
    if (item && (method === 'GET' || method === 'PUT') && !UUID.test(item[1])) {
      throw new HttpError(400, 'item id must be a uuid');
    }
    if (item && method === 'PUT') {
      // Idempotent by key: a replay (HAProxy's L7 retry, a client's retry) writes the same row again.
      const input = await readJson(req);
      const text = typeof input.body === 'string' ? input.body : '';
      const result = await this.pool.query<{ created: boolean }>(
        `INSERT INTO items (id, body, written_by) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, written_by = EXCLUDED.written_by
         RETURNING (xmax = 0) AS created`,
        [item[1], text, this.options.serverName],
      );
      return { status: result.rows[0].created ? 201 : 200, body: { id: item[1], server: this.options.serverName } };
    }
    if (item && method === 'GET') {
      const result = await this.pool.query('SELECT id, body, written_by AS "writtenBy", created_at AS "createdAt" FROM items WHERE id = $1', [
        item[1],
      ]);
      if (result.rowCount === 0) {
        throw new HttpError(404, `no item ${item[1]}`);
      }
      return { status: 200, body: { ...result.rows[0], server: this.options.serverName } };
    }
    throw new HttpError(404, `no route ${method} ${path}`);
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === 'string' ? `${body}\n` : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  if (size === 0) {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // fall through to the 400
  }
  throw new HttpError(400, 'body must be a JSON object');
}
