import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { resolve } from 'node:path';
import { LocalTopology } from '../../lib/node-runtime';

const VERIFY = resolve(__dirname, '../../dist/lib/cli/verify-replication.js');

/** `npm run verify-replication -- <server1> <server2> --json ...extra` against the local pair, as a user runs it. */
export function verifyReplication(topology: LocalTopology, ...extra: string[]): SpawnSyncReturns<string> {
  const dsn = (host: string) => `postgresql://postgres@/api?host=${topology.database(host).socketDir}&port=${topology.database(host).options.port}`;
  return spawnSync(process.execPath, [VERIFY, dsn('server1'), dsn('server2'), '--json', ...extra], { encoding: 'utf8', timeout: 60_000 });
}

/** The report a `--json` run printed last. */
export function finalReport(run: SpawnSyncReturns<string>): any {
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}
