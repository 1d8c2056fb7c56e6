import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';
import { readmeExample } from '../support/files';

// The README's example in each jsii language this machine can build, run against the generated package, must
// synthesize the same Terraform as the README's TypeScript example. scripts/languages-stage.sh builds the
// packages and says where they are: a virtualenv with the wheel (Python), the Go module and the Docker
// provider's Go bindings, and a local Maven repository (Java).

const ROOT = resolve(__dirname, '../..');
const env = {
  python: process.env.FAILOVER_LANGUAGES_PYTHON,
  goModule: process.env.FAILOVER_LANGUAGES_GO_MODULE,
  goProvider: process.env.FAILOVER_LANGUAGES_GO_PROVIDER,
  javaRepo: process.env.FAILOVER_LANGUAGES_JAVA_REPO,
  version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string,
};

type TerraformJson = Record<string, any>;

/** Runs a cdktf app in its directory and reads the stack it synthesized. */
function synthesize(dir: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): TerraformJson {
  run(dir, command, args, extraEnv);
  return JSON.parse(readFileSync(join(dir, 'cdktf.out', 'stacks', 'api', 'cdk.tf.json'), 'utf8')) as TerraformJson;
}

function run(dir: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, {
    cwd: dir,
    env: { ...process.env, ...extraEnv },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 280_000,
  });
}

/** Alike but for what only says which runtime synthesized it, and where the local state would go. */
function normalized(tf: TerraformJson): TerraformJson {
  return { ...tf, '//': { ...tf['//'], metadata: { ...tf['//'].metadata, version: 'x' } }, terraform: { ...tf.terraform, backend: 'x' } };
}

describe('the README example in every language built here', () => {
  const work = mkdtempSync(join(tmpdir(), 'languages-'));
  const dir = (name: string) => {
    const path = join(work, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  let fromTypeScript: TerraformJson;

  beforeAll(() => {
    // The TypeScript example against this checkout's build, as a user's compiled app would run.
    const tsDir = dir('typescript');
    const source = readmeExample('ts').replace(/from 'cdktf-failover-api'/g, `from ${JSON.stringify(join(ROOT, 'dist/lib/index.js'))}`);
    writeFileSync(
      join(tsDir, 'app.js'),
      ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText,
    );
    fromTypeScript = synthesize(tsDir, process.execPath, ['app.js'], { NODE_PATH: join(ROOT, 'node_modules') });
    expect(Object.keys(fromTypeScript.resource.docker_container)).toHaveLength(8);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const needs = (what: string) => new Error(`${what} is unset: run this stage through \`npm run test:languages\`, which builds the packages`);

  test('Python: the wheel, installed with its dependencies from PyPI, synthesizes the same stack', () => {
    if (!env.python) {
      throw needs('FAILOVER_LANGUAGES_PYTHON');
    }
    const pyDir = dir('python');
    writeFileSync(join(pyDir, 'app.py'), readmeExample('python'));
    expect(normalized(synthesize(pyDir, env.python, ['app.py']))).toEqual(normalized(fromTypeScript));
  });

  test('Go: the generated module builds with the Go module proxy and synthesizes the same stack', () => {
    if (!env.goModule || !env.goProvider) {
      throw needs('FAILOVER_LANGUAGES_GO_MODULE or FAILOVER_LANGUAGES_GO_PROVIDER');
    }
    const goDir = dir('go');
    writeFileSync(join(goDir, 'main.go'), readmeExample('go'));
    writeFileSync(
      join(goDir, 'go.mod'),
      [
        'module example.com/api',
        '',
        'go 1.25',
        '',
        `replace github.com/cdktf-failover-api/cdktf-failover-api-go/cdktffailoverapi => ${env.goModule}`,
        // Not served by the module proxy here: the same bindings, generated from @cdktf/provider-docker's assembly.
        `replace github.com/cdktf/cdktf-provider-docker-go/docker/v12 => ${env.goProvider}`,
        '',
      ].join('\n'),
    );
    run(goDir, 'go', ['mod', 'tidy']);
    run(goDir, 'go', ['build', '-o', 'app', '.']);
    expect(normalized(synthesize(goDir, join(goDir, 'app'), []))).toEqual(normalized(fromTypeScript));
  });

  test('Java: the Maven package compiles against Maven Central, and an app on it synthesizes the same stack', () => {
    if (!env.javaRepo) {
      throw needs('FAILOVER_LANGUAGES_JAVA_REPO');
    }
    const javaDir = dir('java');
    writeFileSync(join(javaDir, 'Main.java'), readmeExample('java'));
    writeFileSync(
      join(javaDir, 'pom.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>api</artifactId>
  <version>1</version>
  <repositories>
    <repository><id>built-here</id><url>file://${env.javaRepo}</url></repository>
  </repositories>
  <dependencies>
    <dependency><groupId>io.github.cdktf-failover-api</groupId><artifactId>cdktf-failover-api</artifactId><version>${env.version}</version></dependency>
  </dependencies>
</project>
`,
    );
    run(javaDir, 'mvn', ['-q', '-B', 'dependency:build-classpath', '-Dmdep.outputFile=classpath.txt']);
    const classpath = readFileSync(join(javaDir, 'classpath.txt'), 'utf8').trim();
    run(javaDir, 'javac', ['-cp', classpath, '-d', 'classes', 'Main.java']);
    expect(normalized(synthesize(javaDir, 'java', ['-cp', `classes:${classpath}`, 'Main']))).toEqual(normalized(fromTypeScript));
  });
});
