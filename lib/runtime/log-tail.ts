import { readFileSync } from 'node:fs';

/** The last lines of a log file, to quote in an error before the temp dir holding it is removed. */
export function logTail(path: string, lines = 15): string {
  try {
    const tail = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines);
    return tail.map((l) => `  | ${l}`).join('\n');
  } catch {
    return `  | (no log at ${path})`;
  }
}
