import { cdktfOutdirs } from './outdirs';

// A test that synthesizes must remove its outdir (support/synth.ts does, after each file): fail the run otherwise.
export default function globalTeardown(): void {
  const before = new Set((globalThis as { outdirsBefore?: string[] }).outdirsBefore ?? []);
  const leaked = cdktfOutdirs().filter((name) => !before.has(name));
  if (leaked.length > 0) {
    throw new Error(
      `the tests left ${leaked.length} cdktf.outdir.* directories in the temp dir (${leaked.slice(0, 3).join(', ')}...): synthesize through support/synth.ts testApp()`,
    );
  }
}
