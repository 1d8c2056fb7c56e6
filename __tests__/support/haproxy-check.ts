import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HaproxyCheckResult {
  readonly valid: boolean;
  readonly output: string;
}

/** Runs the real `haproxy -c` over a config and reports what it said. */
export function haproxyCheck(config: string): HaproxyCheckResult {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-check-'));
  try {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    const result = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8', timeout: 20_000 });
    if (result.error) {
      throw result.error;
    }
    return { valid: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Jest-friendly assertion: fails with haproxy's own words when the config is invalid. */
export function expectValidHaproxyConfig(config: string): void {
  const { valid, output } = haproxyCheck(config);
  if (!valid) {
    throw new Error(`haproxy -c rejected the config:\n${output}\n--- config ---\n${config}`);
  }
}
