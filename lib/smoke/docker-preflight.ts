import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CommandRunner } from './command-runner';

/** The env var cdktf reads to run OpenTofu (`tofu`) or another Terraform binary. */
export const TERRAFORM_BINARY_ENV = 'TERRAFORM_BINARY_NAME';

/** One requirement of the Docker smoke, and how to check it. */
interface Requirement {
  readonly name: string;
  readonly command: string;
  readonly args: string[];
  readonly howToGetIt: string;
}

/**
 * Checks, before anything else, that the Docker smoke can run: a reachable Docker daemon, Terraform (or
 * OpenTofu through TERRAFORM_BINARY_NAME), and the cdktf CLI. Throws one error naming every missing piece.
 */
export async function dockerPreflight(runner: CommandRunner, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const terraform = env[TERRAFORM_BINARY_ENV] || 'terraform';
  const requirements: Requirement[] = [
    {
      name: 'a reachable Docker daemon',
      command: 'docker',
      args: ['info', '--format', '{{.ServerVersion}}'],
      howToGetIt: 'install Docker and start its daemon (or point DOCKER_HOST at one); `docker info` must succeed',
    },
    {
      name: `Terraform (\`${terraform}\`)`,
      command: terraform,
      args: ['version'],
      howToGetIt: `install Terraform >= 1.5, or OpenTofu and set ${TERRAFORM_BINARY_ENV}=tofu`,
    },
    {
      name: 'the cdktf CLI',
      command: 'npx',
      args: ['--no-install', 'cdktf', '--version'],
      howToGetIt: 'run `npm ci` in this repository (cdktf-cli is a dev dependency)',
    },
  ];
  const results = await Promise.all(requirements.map(async (r) => ({ r, result: await runner.run(r.command, r.args, { timeoutMs: 20_000 }) })));
  const missing = results.filter(({ result }) => result.exitCode !== 0);
  if (missing.length > 0) {
    const lines = missing.map(({ r, result }) => {
      const said = `${result.stderr}${result.stdout}`.trim().split('\n')[0] ?? '';
      return `  - ${r.name}: \`${[r.command, ...r.args].join(' ')}\` failed${said ? ` (${said})` : ''}. To fix: ${r.howToGetIt}.`;
    });
    throw new Error(`the Docker smoke cannot run; missing:\n${lines.join('\n')}`);
  }
}

/**
 * Where Terraform is set to install providers from a local directory rather than the registry: a
 * `filesystem_mirror` in its CLI config (`TF_CLI_CONFIG_FILE`, else ~/.terraformrc), or the implied mirror
 * ~/.terraform.d/plugins. `cdktf deploy` must then skip `terraform providers lock`, which always asks the
 * registry. Undefined when neither is found.
 */
export function terraformProviderMirror(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  const cliConfig = env.TF_CLI_CONFIG_FILE || join(home, '.terraformrc');
  if (existsSync(cliConfig) && /^\s*filesystem_mirror\s*\{/m.test(readFileSync(cliConfig, 'utf8'))) {
    return `the filesystem_mirror in ${cliConfig}`;
  }
  const implied = join(home, '.terraform.d', 'plugins');
  return existsSync(implied) ? `the implied mirror ${implied}` : undefined;
}
