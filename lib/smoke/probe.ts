import { randomUUID } from 'node:crypto';
/** One request the probe made. */
export interface ProbeRecord {
  /** Milliseconds since the probe started, when the request was sent. */
  readonly at: number;
  readonly kind: ProbeRequestKind;
  /** HTTP status, or 0 for a transport error. */
  readonly status: number;
  /** Transport error message, when `status` is 0. */
  readonly error?: string;
  readonly latencyMs: number;
  /** Which server answered (`x-served-by`), when one did. */
  readonly server?: string;
  /** Id of the row a successful write put. */
  readonly writeId?: string;
}

/** What a probe request does. */
export enum ProbeRequestKind {
  /** `GET /api/v1/system/health`, the article's curl target. */
  READ = 'read',
  /** `PUT /api/v1/items/{uuid}` with a fresh uuid: idempotent, so HAProxy may replay it. */
  WRITE = 'write',
}

/** Options of the probe. */
export interface ProbeOptions {
  /** Base URL of the API, e.g. HAProxy's frontend. */
  readonly url: string;
  /**
   * Milliseconds between one client's requests (the article's `sleep 0.5`).
   * @default 500
   */
  readonly intervalMs?: number;
  /**
   * Clients sending at once, each on its own schedule.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Fraction of requests that are writes (`PUT /api/v1/items/{uuid}`), from 0 to 1.
   * @default 0
   */
  readonly writeRatio?: number;
  /**
   * Milliseconds before a request counts as a transport error.
   * @default 10000
   */
  readonly requestTimeoutMs?: number;
}

/**
 * The HAProxy article's `while true; do curl http://host/api/v1/system/health; sleep 0.5; done`, with several clients,
 * optional writes, and a record of every request. Writes are spread evenly (every k-th request), so runs repeat.
 */
export class Probe {
  private readonly records: ProbeRecord[] = [];
  private running = false;
  private clients: Promise<void>[] = [];
  private startedAt = 0;

  constructor(private readonly options: ProbeOptions) {
    const ratio = options.writeRatio ?? 0;
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new Error(`writeRatio must be from 0 to 1, got ${ratio}`);
    }
  }

  /** performance.now() when the probe started; record `at` values are relative to it. */
  get origin(): number {
    return this.startedAt;
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.startedAt = performance.now();
    const concurrency = this.options.concurrency ?? 1;
    const interval = this.options.intervalMs ?? 500;
    // Clients are staggered across one interval, so the load is even rather than bursty.
    this.clients = Array.from({ length: concurrency }, (_, i) => this.client(i, (interval * i) / concurrency));
  }

  /** Stops sending, waits for requests in flight, and returns every record in send order. */
  async stop(): Promise<ProbeRecord[]> {
    this.running = false;
    await Promise.all(this.clients);
    return [...this.records].sort((a, b) => a.at - b.at);
  }

  private async client(index: number, offsetMs: number): Promise<void> {
    const interval = this.options.intervalMs ?? 500;
    const ratio = this.options.writeRatio ?? 0;
    const writeEvery = ratio > 0 ? Math.max(1, Math.round(1 / ratio)) : 0;
    let n = 0;
    let next = this.startedAt + offsetMs;
    while (this.running) {
      const wait = next - performance.now();
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (!this.running) {
          break;
        }
      }
      next += interval;
      const kind = writeEvery > 0 && (n + index) % writeEvery === 0 ? ProbeRequestKind.WRITE : ProbeRequestKind.READ;
      n++;
      this.records.push(await this.request(kind, `client ${index} #${n}`));
    }
  }

  private async request(kind: ProbeRequestKind, label: string): Promise<ProbeRecord> {
    const sent = performance.now();
    const at = sent - this.startedAt;
    const id = kind === ProbeRequestKind.WRITE ? randomUUID() : undefined;
    let headersStatus: number | undefined;
    try {
      const res =
        id !== undefined
          ? await fetch(`${this.options.url}/api/v1/items/${id}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ body: label }),
              signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
            })
          : await fetch(`${this.options.url}/api/v1/system/health`, { signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000) });
      headersStatus = res.status;
      const text = await res.text();
      const latencyMs = performance.now() - sent;
      const server = res.headers.get('x-served-by') ?? undefined;
      const writeId = id !== undefined && res.ok && (JSON.parse(text) as { id?: string }).id === id ? id : undefined;
      return { at, kind, status: res.status, latencyMs, server, writeId };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      // A connection that failed after the headers is a truncated answer, not a refused request: say which.
      const error = headersStatus === undefined ? cause : `${cause} in the body of a ${headersStatus} answer`;
      return { at, kind, status: 0, error, latencyMs: performance.now() - sent };
    }
  }
}
