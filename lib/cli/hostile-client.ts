import { rawRequests, requestSpam, slowConnections } from '../smoke/hostile-traffic';

// A hostile client in a process of its own, as a real one would be: the normal probe's latencies then measure
// HAProxy and the APIs, not an event loop shared with 2,000 sockets. runHostileScenario spawns it with one JSON
// argument and reads one JSON result from stdout.
async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as
    | { kind: 'spam'; url: string; ratePerSecond: number; durationMs: number }
    | { kind: 'slow'; host: string; port: number; connections: number; durationMs: number; trickleMs?: number }
    | { kind: 'raw'; host: string; port: number; requests: string[] };
  switch (job.kind) {
    case 'spam':
      return print(await requestSpam(job.url, job));
    case 'slow':
      return print(await slowConnections(job, job));
    case 'raw':
      return print(await rawRequests(job, job.requests));
    default:
      throw new Error(`hostile-client: unknown job ${process.argv[2]}`);
  }
}

function print(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`hostile-client: ${(err as Error).message}\n`);
  process.exit(1);
});
