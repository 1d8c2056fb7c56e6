import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';
import { readmeExample } from '../support/files';

// The README's Python example, run with the built wheel and its dependencies from PyPI (a virtualenv that
// scripts/languages-stage.sh makes), synthesizes the same Terraform as the README's TypeScript example.

const ROOT = resolve(__dirname, '../..');
const python = process.env.FAILOVER_LANGUAGES_PYTHON;

type TerraformJson = Record<string, any>;

/** Runs a cdktf app in a directory of its own and reads the stack it synthesized. */
function synthesize(dir: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): TerraformJson {
  execFileSync(command, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
  return JSON.parse(readFileSync(join(dir, 'cdktf.out', 'stacks', 'api', 'cdk.tf.json'), 'utf8')) as TerraformJson;
}

/** Alike but for what only says which runtime synthesized it, and where the local state would go. */
function normalized(tf: TerraformJson): TerraformJson {
  return { ...tf, '//': { ...tf['//'], metadata: { ...tf['//'].metadata, version: 'x' } }, terraform: { ...tf.terraform, backend: 'x' } };
}

describe('the Python package', () => {
  if (!python) {
    test('needs the virtualenv', () => {
      throw new Error('FAILOVER_LANGUAGES_PYTHON is unset: run this stage through `npm run test:languages`, which installs the wheel');
    });
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'languages-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('the README\'s Python example synthesizes the same stack as its TypeScript example', () => {
    const pyDir = join(work, 'python');
    const tsDir = join(work, 'typescript');
    for (const dir of [pyDir, tsDir]) {
      execFileSync('mkdir', ['-p', dir]);
    }
    writeFileSync(join(pyDir, 'app.py'), readmeExample('python'));
    const fromPython = synthesize(pyDir, python, ['app.py']);

    // The TypeScript example against this checkout's build, as a user's compiled app would run.
    const source = readmeExample('ts').replace(/from 'cdktf-failover-api'/g, `from ${JSON.stringify(join(ROOT, 'dist/lib/index.js'))}`);
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(tsDir, 'app.js'), js);
    const fromTypeScript = synthesize(tsDir, process.execPath, ['app.js'], { NODE_PATH: join(ROOT, 'node_modules') });

    expect(Object.keys(fromPython.resource.docker_container)).toHaveLength(8);
    expect(normalized(fromPython)).toEqual(normalized(fromTypeScript));
  });
});
