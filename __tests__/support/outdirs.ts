import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** The `cdktf.outdir.*` directories in the temp dir now: each is a synth a test did not clean up. */
export function cdktfOutdirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('cdktf.outdir.'));
}
