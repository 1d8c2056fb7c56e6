import { FailoverStrategy } from './failover-strategy';

/** One API server behind HAProxy. */
export interface HaproxyServer {
  /** Server name in HAProxy (also what the runtime API and `x-served-by` report). */
  readonly name: string;
  /** IPv4/IPv6 address or DNS name (a container name on a Docker network). */
  readonly address: string;
  /** TCP port the API listens on. */
  readonly port: number;
  /**
   * Load-balancing weight, 1..256.
   * @default 100 for the first server and 1 for the others under `weighted-stick`; unused otherwise
   */
  readonly weight?: number;
}

/** Where HAProxy accepts client traffic. */
export interface HaproxyFrontend {
  /**
   * Address to bind.
   * @default '0.0.0.0'
   */
  readonly address?: string;
  /**
   * Port to bind.
   * @default 80
   */
  readonly port?: number;
}

/** The HTTP health check HAProxy runs against every server. */
export interface HaproxyHealthCheck {
  /**
   * Path requested with `GET <path> HTTP/1.0`.
   * @default '/check.txt' (the HAProxy article's)
   */
  readonly path?: string;
  /**
   * Milliseconds between checks (`inter`).
   * @default 5000 (the HAProxy article's)
   */
  readonly intervalMs?: number;
  /**
   * Consecutive failed checks before a server is marked DOWN.
   * @default 3 (HAProxy's)
   */
  readonly fall?: number;
  /**
   * Consecutive passed checks before a server is marked UP again.
   * @default 2 (HAProxy's)
   */
  readonly rise?: number;
  /**
   * Milliseconds a check may take (`timeout check`).
   * @default 2000
   */
  readonly timeoutMs?: number;
}

/** HAProxy's runtime API, used to read server state and drain a server during a rolling update. */
export interface HaproxyRuntimeApiSocket {
  /** Absolute path of the admin-level unix socket. */
  readonly socketPath: string;
}

/** Client, server and connect timeouts. */
export interface HaproxyTimeouts {
  /**
   * Milliseconds to establish a TCP connection to a server. A connect to a vanished host waits this long
   * before the retry goes to the other server, so keep it short on a LAN.
   * @default 500 for weighted-stick and primary-first; 5000 (the HAProxy article's) for backup
   */
  readonly connectMs?: number;
  /**
   * Milliseconds of client inactivity. Without `limits` (the backup strategy), this is also how long an idle
   * keep-alive connection is kept, and answers advertise it less a second.
   * @default 30000
   */
  readonly clientMs?: number;
  /**
   * Milliseconds a server may take to answer (`timeout server`). With `failureHandling`, this is the per-try
   * timeout: a replay-safe request that gets no answer in time is retried on the other server; any other
   * request is answered 504. Raise it if your API has slower calls.
   * @default 2000 for weighted-stick and primary-first; 30000 for backup
   */
  readonly serverMs?: number;
}

/**
 * How HAProxy copes with a server that fails under live traffic. Applies to weighted-stick and primary-first;
 * the backup strategy always renders the HAProxy article's textbook config, without any of it.
 */
export interface HaproxyFailureHandling {
  /**
   * Replay a request on the other server when its server failed it without an answer (connection closed,
   * no answer within `timeouts.serverMs`) or answered 503 (`retry-on`). Only replay-safe methods are replayed:
   * GET, HEAD, PUT, DELETE and OPTIONS (`http-request disable-l7-retry` for the rest), so writes must be
   * idempotent PUTs to be retried.
   * @default true
   */
  readonly retryReplaySafeRequests?: boolean;
  /**
   * Consecutive failed connects in live traffic that mark a server DOWN at once, without waiting for `fall`
   * failed health checks (`observe layer4 error-limit N on-error mark-down`). Only evidence a client cannot forge
   * counts: an HTTP answer, even a 5xx, never takes a server out (any API answers 500 for some input, and
   * counting those let six requests to a buggy endpoint take both servers down). Timeouts and resets of
   * requests in flight are retried on the other server, and the health check takes a dead server out.
   * 0 turns it off.
   * @default 3
   */
  readonly errorLimit?: number;
  /**
   * Milliseconds between health checks while a server is going up or down (`fastinter`), so a returning
   * server rejoins sooner.
   * @default 500
   */
  readonly fastIntervalMs?: number;
  /**
   * A 404 from the health path drains the server (`http-check disable-on-404`). This is the self-drain
   * contract: on SIGTERM an API answers 404 there and keeps serving until HAProxy stops sending to it.
   * @default true
   */
  readonly drainOn404?: boolean;
}

/** Limits a single client meets, so no client can exhaust HAProxy or the APIs behind it. */
export interface HaproxyLimits {
  /**
   * Milliseconds a client has to send a complete request's headers (and body, which HAProxy buffers),
   * `timeout http-request`; past it the client gets a 408 and the connection is closed. This is the defence
   * against slowloris: trickled headers cannot hold a connection for `timeouts.clientMs`.
   * @default 5000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Milliseconds an idle keep-alive client connection is kept open waiting for its next request
   * (`timeout http-keep-alive`). Every answer advertises this less a second (`Keep-Alive: timeout=N`, whole
   * seconds), so a client that honours the hint closes an idle connection before HAProxy does.
   * @default 10000
   */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Concurrent client connections the frontend accepts (its `maxconn`); past it, new connections wait in the
   * kernel's accept queue. Keep it below `maxConnections`, which also counts connections to the servers.
   * @default 4000
   */
  readonly frontendMaxConnections?: number;
  /**
   * Concurrent requests each server gets (the servers' `maxconn`); more wait in HAProxy's queue, for at most
   * `queueTimeoutMs`. Size it to your API's database pool, so no request waits inside the API for a connection:
   * the reference API's pool has 10.
   * @default 10
   */
  readonly serverMaxConnections?: number;
  /**
   * Milliseconds a request may wait in HAProxy's queue for a free server slot (`timeout queue`); then it gets
   * a 503 instead of hanging.
   * @default 2000
   */
  readonly queueTimeoutMs?: number;
  /**
   * Bytes of request headers, all of them together; a request with more gets 431. HAProxy's buffer (16 KiB)
   * bounds it anyway.
   * @default 8192
   */
  readonly maxHeaderBytes?: number;
  /**
   * Bytes of request body a `Content-Length` may announce; a request announcing more gets 413. A chunked body
   * is bounded by the API itself (the reference API refuses more than 64 KiB).
   * @default 1048576
   */
  readonly maxBodyBytes?: number;
  /**
   * Accept request bodies sent with `Transfer-Encoding` (chunked). Request smuggling rides on that header
   * (beside a `Content-Length`, or obfuscated), and HAProxy drops a conflicting `Content-Length` before any rule
   * can see it, so by default every request with the header gets 411 and never reaches the API. Clients of a
   * JSON API send a `Content-Length`; allow this only for one that streams uploads. HAProxy then forwards
   * the chunked body, and still drops a conflicting `Content-Length` and closes that connection.
   * @default false
   */
  readonly allowChunkedRequests?: boolean;
  /**
   * Requests per second one client address may send, averaged over 10 s; past it, 429. The address is the
   * connection's source, so it only tells clients apart where HAProxy sees their real addresses (not behind
   * a NAT or Docker's userland proxy, where every client has the same one).
   * @default no rate limit
   */
  readonly requestsPerSecondPerClient?: number;
}

/**
 * A DNS resolver HAProxy re-queries at run time, so a server whose container is replaced (new IP) is followed.
 * Needed when servers are addressed by container name on a Docker network.
 */
export interface HaproxyDnsResolver {
  /**
   * Nameserver address.
   * @default '127.0.0.11' (Docker's embedded DNS)
   */
  readonly address?: string;
  /**
   * Nameserver port.
   * @default 53
   */
  readonly port?: number;
  /**
   * Milliseconds to keep the last good address while the name does not resolve (the container is being replaced).
   * @default 10000
   */
  readonly holdMs?: number;
}

/** Everything `HaproxyConfig.render` needs. */
export interface HaproxyConfigProps {
  /**
   * How traffic is spread and failed over.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
  /** At least two servers; the first is the primary. */
  readonly servers: HaproxyServer[];
  /**
   * Where clients connect.
   * @default 0.0.0.0:80
   */
  readonly frontend?: HaproxyFrontend;
  /**
   * The health check.
   * @default GET /check.txt every 5000 ms, fall 3, rise 2
   */
  readonly healthCheck?: HaproxyHealthCheck;
  /**
   * Admin-level runtime API socket.
   * @default no runtime API
   */
  readonly runtimeApi?: HaproxyRuntimeApiSocket;
  /**
   * Re-resolve server names at run time through this DNS server.
   * @default none: addresses are resolved once, at start
   */
  readonly dnsResolver?: HaproxyDnsResolver;
  /**
   * Timeouts.
   * @default connect 500 ms, client 30 s, server 2 s (backup: connect 5 s, server 30 s)
   */
  readonly timeouts?: HaproxyTimeouts;
  /**
   * Retries before a request fails. Under weighted-stick and primary-first every retry goes to another server
   * (`option redispatch 1`); under backup only the last one does (the article's `option redispatch`).
   * @default 3
   */
  readonly retries?: number;
  /**
   * Fast, bounded failure handling: L7 retries, detection from live traffic, self-drain on a 404.
   * @default every field's default under weighted-stick and primary-first; rejected under backup
   */
  readonly failureHandling?: HaproxyFailureHandling;
  /**
   * Limits a single client meets: request and keep-alive timeouts, connection and queue bounds, header and body
   * sizes, chunked request bodies (refused: request smuggling rides on them), an optional per-client rate limit.
   * @default every field's default under weighted-stick and primary-first; rejected under backup
   */
  readonly limits?: HaproxyLimits;
  /**
   * File HAProxy loads server states from at start (`server-state-file`), so a reload keeps a DOWN server
   * DOWN. Whoever reloads writes it first with the runtime API's `show servers state`.
   * @default none
   */
  readonly serverStateFile?: string;
  /**
   * Maximum concurrent connections HAProxy accepts.
   * @default 4096
   */
  readonly maxConnections?: number;
  /**
   * Source address or CIDR for which no `X-Forwarded-For` is added (`option forwardfor except`).
   * @default '127.0.0.1' (the HAProxy article's)
   */
  readonly forwardForExcept?: string;
  /**
   * Log every request to stdout (`option httplog`).
   * @default true
   */
  readonly accessLog?: boolean;
}
