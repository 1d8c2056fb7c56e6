import { dockerNames } from '../naming/docker-names';

/**
 * What the Docker smoke driver relies on in the smoke stack (stacks/smoke-stack.ts builds it to match):
 * its name, its variables, and its containers' names.
 */
export const SMOKE_STACK_NAME = 'failover-api-smoke';
export const SMOKE_NAME_PREFIX = 'failover-api';
export const SMOKE_FRONTEND_PORT = 8080;
export const SMOKE_HOSTS = ['server1', 'server2'];
/**
 * The experiment's health check, used by the smoke stack and the local smoke alike: detection (fall × inter, up to
 * 6 s) outlasts HAProxy's ~3 s of retries, so `backup` shows its 503s.
 */
export const SMOKE_HEALTH_CHECK = { intervalMs: 2000, fall: 3, rise: 2 };

/** Env var main.ts reads to pick the smoke stack's strategy at synth time. */
export const SMOKE_STRATEGY_ENV = 'FAILOVER_SMOKE_STRATEGY';
/** Env var main.ts reads for the servers' weights, e.g. `100,2` (the Docker driver's reloads set it). */
export const SMOKE_WEIGHTS_ENV = 'FAILOVER_SMOKE_WEIGHTS';
/** Env var main.ts reads for the smoke stack's image registry (`--image-registry`). */
export const SMOKE_IMAGE_REGISTRY_ENV = 'FAILOVER_SMOKE_IMAGE_REGISTRY';

/** Terraform variable holding a host's version (set as TF_VAR_<name>). */
export function versionVariableName(host: string): string {
  return `${host}_version`;
}

const names = dockerNames(SMOKE_NAME_PREFIX);

export const SMOKE_NETWORK = names.network;

export const smokeContainers = {
  haproxy: names.haproxy,
  probe: `${SMOKE_NAME_PREFIX}-probe`,
  api: names.api,
  database: names.database,
  /** The node's one-shot migrator (BdrNode.migrator). */
  migrator: names.migrator,
  /** The node's data volume (BdrNode.volume). */
  dataVolume: names.dataVolume,
};
