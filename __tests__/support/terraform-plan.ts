import { SynthesizedStack } from './synth';

/**
 * The attributes whose change makes Terraform replace a resource (ForceNew), for the resources and attributes
 * our stacks use, as kreuzwerker/docker v3.6.2 (the version @cdktf/provider-docker 12 binds) declares them in
 * internal/provider/resource_docker_{container,image,volume,network}.go. Any other attribute changes in place.
 * docs/docker-provider-notes.md has the details.
 */
export const FORCE_NEW: Record<string, readonly string[]> = {
  docker_container: [
    'name',
    'image',
    'command',
    'entrypoint',
    'env',
    'upload',
    'volumes',
    'ports',
    'networks_advanced',
    'labels',
    'log_driver',
    'log_opts',
    'stop_signal',
    'stop_timeout',
    'cpus',
    'network_mode',
  ],
  // build's nested attributes are all ForceNew.
  docker_image: ['name', 'build', 'triggers', 'pull_triggers', 'platform'],
  docker_volume: ['name', 'labels', 'driver', 'driver_opts'],
  docker_network: ['name', 'labels', 'driver', 'options', 'internal', 'attachable', 'ingress', 'ipam_driver', 'ipam_options', 'ipam_config'],
};

/** What `terraform plan` would do to one resource. */
export type PlannedAction = 'create' | 'delete' | 'replace' | 'update';

/** What Terraform says when a plan would destroy a resource with `lifecycle.prevent_destroy`, and refuses it. */
export class PreventDestroyError extends Error {
  constructor(readonly address: string) {
    super(
      `Error: Instance cannot be destroyed: Resource ${address} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed`,
    );
  }
}

/**
 * The plan between two syntheses of one stack, resource by resource (`type.name` → action), from the provider's
 * ForceNew attributes. Only resources that change are listed. Meta-arguments (depends_on, lifecycle, provider)
 * never replace a resource by themselves. As Terraform, it refuses (throws PreventDestroyError) to replace a
 * resource whose configuration sets `prevent_destroy`. A resource removed from the configuration loses that
 * protection, as in Terraform.
 */
export function planBetween(before: SynthesizedStack, after: SynthesizedStack): Record<string, PlannedAction> {
  const plan: Record<string, PlannedAction> = {};
  const types = new Set([...Object.keys(before.resource), ...Object.keys(after.resource)]);
  for (const type of types) {
    const was = before.resource[type] ?? {};
    const now = after.resource[type] ?? {};
    for (const name of new Set([...Object.keys(was), ...Object.keys(now)])) {
      const a = was[name];
      const b = now[name];
      if (a === undefined || b === undefined) {
        plan[`${type}.${name}`] = a === undefined ? 'create' : 'delete';
        continue;
      }
      const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])]
        .filter((key) => !['depends_on', 'lifecycle', 'provider', '//'].includes(key))
        .filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
      if (changed.length > 0) {
        plan[`${type}.${name}`] = changed.some((key) => (FORCE_NEW[type] ?? []).includes(key)) ? 'replace' : 'update';
        if (plan[`${type}.${name}`] === 'replace' && (b.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy === true) {
          throw new PreventDestroyError(`${type}.${name}`);
        }
      }
    }
  }
  return plan;
}
