import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const LIB = resolve(__dirname, '../lib');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
}

// The layering in DESIGN.md: only constructs (and stacks/) know CDKTF, so a move to its community fork stays small.
describe('import direction', () => {
  const layers = ['haproxy', 'postgres', 'validation', 'api', 'runtime', 'smoke', 'cli'];

  test.each(layers)('lib/%s imports neither cdktf nor the constructs', (layer) => {
    const offenders = tsFiles(join(LIB, layer)).flatMap((file) => imports(file)
      .filter((m) => m === 'cdktf' || m.startsWith('@cdktf/') || m === 'constructs' || m.includes('/constructs/'))
      .map((m) => `${relative(LIB, file)} imports ${m}`));
    expect(offenders).toEqual([]);
  });

  test('renderers import nothing from the project outside their own layer and validation', () => {
    const offenders = ['haproxy', 'postgres'].flatMap((layer) => tsFiles(join(LIB, layer)).flatMap((file) => imports(file)
      .filter((m) => m.startsWith('..') && !m.startsWith('../validation/'))
      .map((m) => `${relative(LIB, file)} imports ${m}`)));
    expect(offenders).toEqual([]);
  });

  test('constructs and the runtime never import each other', () => {
    const offenders = [
      ...tsFiles(join(LIB, 'constructs')).flatMap((f) => imports(f).filter((m) => m.includes('/runtime/') || m.includes('/smoke/')).map((m) => `${relative(LIB, f)} imports ${m}`)),
      ...tsFiles(join(LIB, 'runtime')).flatMap((f) => imports(f).filter((m) => m.includes('/constructs/')).map((m) => `${relative(LIB, f)} imports ${m}`)),
    ];
    expect(offenders).toEqual([]);
  });

  test('nothing imports the CLI, and lib/index.ts only exports', () => {
    const cliImporters = tsFiles(LIB).filter((f) => !f.includes('/cli/')).filter((f) => imports(f).some((m) => m.includes('/cli/')));
    expect(cliImporters).toEqual([]);
    const index = readFileSync(join(LIB, 'index.ts'), 'utf8').split('\n').filter((l) => l.trim().length > 0);
    expect(index.every((l) => l.startsWith('export '))).toBe(true);
  });
});
