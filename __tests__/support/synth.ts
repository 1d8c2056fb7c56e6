import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';

// Every outdir a test app gets; removeTestOutdirs() (after each test file) deletes them.
const outdirs: string[] = [];

/** Synthesized JSON with asset hashes replaced, so snapshots do not churn when the API's code changes. */
export function synthNormalized(stack: TerraformStack): string {
  return Testing.synth(stack, true).replace(/\b[0-9A-F]{32}\b/g, '<asset-hash>');
}

/** The parsed synthesized JSON. */
export function synthJson(stack: TerraformStack): SynthesizedStack {
  return JSON.parse(Testing.synth(stack, true)) as SynthesizedStack;
}

export interface SynthesizedStack {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  variable?: Record<string, Record<string, unknown>>;
  output?: Record<string, Record<string, unknown>>;
  provider?: Record<string, Record<string, unknown>[]>;
}

/**
 * A fresh app whose stacks are synthesized without touching cdktf.json or the real outdir. Its temp outdir is
 * removed after the test file (jest.setup.ts), so a run leaves no `cdktf.outdir.*` behind.
 */
export function testApp(context?: Record<string, unknown>): App {
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf.outdir.'));
  outdirs.push(outdir);
  return Testing.app({ outdir, context });
}

export function removeTestOutdirs(): void {
  for (const dir of outdirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resources of one type, by Terraform name. */
export function resourcesOf(json: SynthesizedStack, type: string): Record<string, Record<string, unknown>> {
  return json.resource[type] ?? {};
}

/** The one resource of `type` whose Terraform name, less its hash suffix, is `name` (e.g. `failover-api_haproxy_container`). */
export function resourceAt(json: SynthesizedStack, type: string, name: string): Record<string, unknown> {
  const found = Object.entries(resourcesOf(json, type)).filter(([key]) => key.replace(/_[0-9A-F]{8}$/, '') === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${type} named ${name}, found ${found.length} among ${Object.keys(resourcesOf(json, type)).join(', ')}`);
  }
  return found[0][1];
}
