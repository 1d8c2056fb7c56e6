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

/** The README's main example, marked `<!-- example: single host -->`: its fenced block in `lang` (ts or python). */
export function readmeExample(lang: 'ts' | 'python'): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- example: single host -->');
  const block = start < 0 ? null : new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme.slice(start));
  if (!block) {
    throw new Error(`README.md has no \`${lang}\` block after <!-- example: single host -->`);
  }
  return block[1];
}
