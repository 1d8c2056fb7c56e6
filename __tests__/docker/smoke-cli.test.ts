import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const CLI = resolve(__dirname, '../../dist/lib/cli/smoke.js');

function smoke(args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

describe('npm run smoke (the compiled CLI)', () => {
  test('--target docker without a reachable daemon fails fast and names it', () => {
    // A socket that cannot exist, so this holds on a machine with Docker too.
    const run = smoke(['--target', 'docker'], { DOCKER_HOST: 'unix:///nonexistent/failover-api-test.sock' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('missing:\n  - a reachable Docker daemon');
    expect(run.ms).toBeLessThan(15_000);
  });

  test('an unknown strategy is a usage error naming the allowed values', () => {
    const run = smoke(['--strategy', 'round-robin']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('error: --strategy must be one of weighted-stick, primary-first, backup, got "round-robin"');
    expect(run.stderr).toContain('usage: npm run smoke');
  });

  test('--keep without --target docker is a usage error', () => {
    const run = smoke(['--keep']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('error: --keep applies to --target docker');
  });

  test('an unknown flag is a usage error', () => {
    const run = smoke(['--fast']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/error: Unknown option '--fast'/);
  });
});
