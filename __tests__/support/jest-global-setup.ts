import { cdktfOutdirs } from './outdirs';

// Remembered for jest-global-teardown.ts, which runs in this same process.
export default function globalSetup(): void {
  (globalThis as { outdirsBefore?: string[] }).outdirsBefore = cdktfOutdirs();
}
