import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * A compiled entry point of this package, given its path under lib/ (e.g. `api/main.js`): beside the running code
 * when that is compiled, or in dist/ when running from sources (ts-jest). Throws, naming where it looked.
 */
export function findCompiledEntry(pathUnderLib: string, what: string): string {
  const candidates = [resolve(__dirname, '..', pathUnderLib), resolve(__dirname, '../../dist/lib', pathUnderLib)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(`${what} not built (looked for ${candidates.join(', ')}); run \`npm run build\``);
  }
  return found;
}
