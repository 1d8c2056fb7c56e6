import { ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { DEFAULT_LOG_DRIVER, DEFAULT_LOG_OPTIONS } from './container-logging';

/** What a one-shot container sets; the rest (image, command, uploads) is its own. */
export type OneShotContainerSettings = Pick<ContainerConfig, 'mustRun' | 'attach' | 'logs' | 'restart' | 'logDriver' | 'logOpts' | 'lifecycle'>;

/**
 * A container that runs once per change and exits (HAProxy's config writer, a node's migrator): Terraform waits
 * for the exit (`attach`), does not expect it running, keeps its logs, and fails the deploy with `errorMessage`
 * unless it exited 0 (a postcondition). What depends on it is then not created.
 */
export function oneShotContainer(errorMessage: string): OneShotContainerSettings {
  return {
    mustRun: false,
    attach: true,
    logs: true,
    restart: 'no',
    logDriver: DEFAULT_LOG_DRIVER,
    logOpts: DEFAULT_LOG_OPTIONS,
    lifecycle: { postcondition: [{ condition: '${self.exit_code == 0}', errorMessage }] },
  };
}
