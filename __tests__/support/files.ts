import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Every file below `dir` whose name ends with `suffix`, recursively. */
export function filesUnder(dir: string, suffix = ''): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path, suffix) : path.endsWith(suffix) ? [path] : [];
  });
}

/** A README example marked `<!-- example: NAME -->` (by default the main one): its fenced block in `lang`. */
export function readmeExample(lang: 'ts' | 'python' | 'go' | 'java', name = 'single host'): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const marker = `<!-- example: ${name} -->`;
  const start = readme.indexOf(marker);
  const block = start < 0 ? null : new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme.slice(start));
  if (!block) {
    throw new Error(`README.md has no \`${lang}\` block after ${marker}`);
  }
  return block[1];
}
