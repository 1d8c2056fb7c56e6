import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DockerMachine, FailoverApi, FailoverStrategy } from '../lib';
import { passwordVariables, versionVariable } from './stack-variables';

/** The three machines of the production stack. */
export interface ProductionMachines {
  readonly server1: DockerMachine;
  readonly server2: DockerMachine;
  readonly loadBalancer: DockerMachine;
}

/** Props of `ProductionStack`. */
export interface ProductionStackProps {
  /** The machines, reached over SSH. */
  readonly machines: ProductionMachines;
  /**
   * HAProxy strategy.
   * @default FailoverStrategy.WEIGHTED_STICK
   */
  readonly strategy?: FailoverStrategy;
}

/**
 * The HAProxy article's layout: server1 and server2 on their own machines, each with its API and its database node,
 * and HAProxy on a third, all managed over SSH.
 */
export class ProductionStack extends TerraformStack {
  public readonly api: FailoverApi;

  constructor(scope: Construct, id: string, props: ProductionStackProps) {
    super(scope, id);
    this.api = new FailoverApi(this, 'failover-api', {
      ...passwordVariables(this),
      strategy: props.strategy,
      hosts: [
        { name: 'server1', version: versionVariable(this, 'server1'), machine: props.machines.server1 },
        { name: 'server2', version: versionVariable(this, 'server2'), machine: props.machines.server2 },
      ],
      loadBalancer: props.machines.loadBalancer,
    });
  }
}

/**
 * The machines from env (FAILOVER_SERVER1_ADDRESS, FAILOVER_SERVER2_ADDRESS, FAILOVER_LB_ADDRESS, FAILOVER_SSH_USER),
 * then from cdktf.json context (server1Address, server2Address, loadBalancerAddress, sshUser), then the article's
 * example addresses, so that `cdktf synth` works anywhere.
 */
export function productionMachines(env: NodeJS.ProcessEnv, context: (key: string) => unknown): ProductionMachines {
  const pick = (envName: string, contextKey: string, fallback: string): string =>
    env[envName] ?? (typeof context(contextKey) === 'string' ? (context(contextKey) as string) : fallback);
  const user = pick('FAILOVER_SSH_USER', 'sshUser', 'deploy');
  const machine = (address: string): DockerMachine => ({
    dockerHost: `ssh://${user}@${address}`,
    address,
    sshOpts: ['-o', 'StrictHostKeyChecking=accept-new'],
  });
  return {
    server1: machine(pick('FAILOVER_SERVER1_ADDRESS', 'server1Address', '10.0.0.5')),
    server2: machine(pick('FAILOVER_SERVER2_ADDRESS', 'server2Address', '10.0.0.6')),
    loadBalancer: machine(pick('FAILOVER_LB_ADDRESS', 'loadBalancerAddress', '10.0.0.4')),
  };
}
