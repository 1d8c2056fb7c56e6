import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { filesUnder, readmeExample } from '../support/files';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');
// jsii's tools print a banner on Node 20, which they no longer support; the output is still right.
const JSII_ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };

interface JsiiDocs {
  summary?: string;
  default?: string;
  deprecated?: string;
}
interface JsiiProperty {
  name: string;
  optional?: boolean;
  docs?: JsiiDocs;
}
interface JsiiType {
  fqn: string;
  name: string;
  kind: 'class' | 'interface' | 'enum';
  datatype?: boolean;
  docs?: JsiiDocs;
  properties?: JsiiProperty[];
  methods?: { name: string; docs?: JsiiDocs }[];
  locationInModule?: { filename: string };
}

/**
 * jsii-rosetta puts the structs it infers on a first line of their own (`from m import A, A`); this folds them into
 * m's own import line, sorted, which is the only change the README makes to its translation.
 */
function tidyRosetta(python: string): string {
  const lines = python.trim().split('\n');
  const implied = /^from (\S+) import (.+)$/.exec(lines[0]);
  const own = implied && lines.findIndex((l, i) => i > 0 && l.startsWith(`from ${implied[1]} import `));
  if (!implied || !own || own < 0) {
    return lines.join('\n');
  }
  const names = new Set([...lines[own].split(' import ')[1].split(', '), ...implied[2].split(', ')]);
  lines[own] = `from ${implied[1]} import ${[...names].sort().join(', ')}`;
  return lines.slice(1).join('\n');
}

// `npm run build` (run by `npm test` first) compiles the jsii assembly; these read it.
describe('the jsii assembly', () => {
  let assembly: { targets: Record<string, unknown>; types: Record<string, JsiiType> };
  let types: JsiiType[];
  let work: string;

  beforeAll(() => {
    const file = join(ROOT, '.jsii');
    const built = statSync(file, { throwIfNoEntry: false });
    if (!built) {
      throw new Error('.jsii is missing: run `npm run build` (npm test does it first)');
    }
    const newer = filesUnder(join(ROOT, 'lib'), '.ts').filter((f) => statSync(f).mtimeMs > built.mtimeMs);
    if (newer.length > 0) {
      throw new Error(`.jsii is older than ${newer.slice(0, 3).join(', ')}: run \`npm run build\` (npm test does it first)`);
    }
    assembly = JSON.parse(readFileSync(file, 'utf8'));
    types = Object.values(assembly.types);
    work = mkdtempSync(join(tmpdir(), 'failover-api-jsii-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('holds the constructs, their props and the renderers as static methods, and nothing of the harness', () => {
    const names = types.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'FailoverApi',
        'FailoverApiProps',
        'ApiHost',
        'BdrNode',
        'HaproxyLoadBalancer',
        'ShippedDockerImage',
        'HaproxyConfig',
        'PostgresSettings',
        'PgHba',
        'BootstrapSql',
        'ApiEnvironmentContract',
        'SelfDrain',
        'Errors',
        'FailoverStrategy',
        'HaproxyConfigProps',
        'BdrNodeConfig',
      ]),
    );
    expect(types.find((t) => t.name === 'HaproxyConfig')!.methods!.map((m) => m.name)).toContain('render');
    const harness = types.filter((t) => /^lib\/(runtime|smoke|cli)\/|^lib\/api\/api-server/.test(t.locationInModule?.filename ?? ''));
    expect(harness.map((t) => t.name)).toEqual([]);
    expect(names).not.toContain('LocalTopology');
  });

  test('targets Python, Java, .NET and Go', () => {
    expect(Object.keys(assembly.targets).sort()).toEqual(['dotnet', 'go', 'java', 'js', 'python']);
  });

  test('documents every type, method and prop, and gives every optional prop of a struct its @default', () => {
    const missing: string[] = [];
    for (const t of types) {
      if (!t.docs?.summary) {
        missing.push(`${t.name}: no doc comment`);
      }
      for (const m of t.methods ?? []) {
        if (!m.docs?.summary) {
          missing.push(`${t.name}.${m.name}(): no doc comment`);
        }
      }
      for (const p of t.properties ?? []) {
        if (!p.docs?.summary && !p.docs?.deprecated) {
          missing.push(`${t.name}.${p.name}: no doc comment`);
        }
        if (t.datatype && p.optional && p.docs?.default === undefined) {
          missing.push(`${t.name}.${p.name}: optional without @default`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('API.md is what jsii-docgen makes of it (else run `npm run docgen` and commit API.md)', () => {
    const fresh = join(work, 'API.md');
    execFileSync(join(BIN, 'jsii-docgen'), ['-o', fresh], { cwd: ROOT, env: JSII_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const committed = readFileSync(join(ROOT, 'API.md'), 'utf8').split('\n');
    const generated = readFileSync(fresh, 'utf8').split('\n');
    const line = generated.findIndex((text, i) => text !== committed[i]);
    const stale =
      line >= 0 || committed.length !== generated.length
        ? `API.md line ${line + 1}: committed ${JSON.stringify(committed[line])}, generated ${JSON.stringify(generated[line])}`
        : undefined;
    expect(stale).toBeUndefined();
  });

  test("the README's Python example is jsii-rosetta's translation of its TypeScript example, imports tidied", () => {
    const ts = join(work, 'example.ts');
    writeFileSync(ts, readmeExample('ts'));
    const python = execFileSync(join(BIN, 'jsii-rosetta'), ['snippet', '--language', 'python', ts], { cwd: ROOT, env: JSII_ENV, encoding: 'utf8' });
    expect(readmeExample('python').trim()).toBe(tidyRosetta(python));
  });
});
