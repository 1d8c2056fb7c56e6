import { Testing } from 'cdktf';
import { SmokeStack } from '../../stacks/smoke-stack';
import { SynthesizedStack } from '../support/synth';

// What a `cdktf deploy` changes when one host's version changes: Terraform replaces exactly the resources
// whose synthesized JSON differs, so comparing two syntheses shows the blast radius of a rolling-update step.
function synthWithVersions(server1: string, server2: string): SynthesizedStack {
  const app = Testing.app({ context: {} });
  const stack = new SmokeStack(app, 'smoke');
  // Set the variables' defaults as `-var server2_version=...` would set their values.
  const json = JSON.parse(Testing.synth(stack)) as SynthesizedStack;
  return JSON.parse(JSON.stringify(json).replace(/\$\{var\.server1_version\}/g, server1).replace(/\$\{var\.server2_version\}/g, server2)) as SynthesizedStack;
}

function changedResources(before: SynthesizedStack, after: SynthesizedStack): string[] {
  const changed: string[] = [];
  for (const [type, resources] of Object.entries(after.resource)) {
    for (const [name, body] of Object.entries(resources)) {
      if (JSON.stringify(before.resource[type]?.[name]) !== JSON.stringify(body)) {
        changed.push(`${type}.${name}`);
      }
    }
  }
  return changed;
}

describe('rolling update through Terraform', () => {
  test('changing server2\'s version changes only server2\'s API container', () => {
    const changed = changedResources(synthWithVersions('v1', 'v1'), synthWithVersions('v1', 'v2'));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/^docker_container\.failover-api_server2_api_[0-9A-F]{8}$/);
  });

  test('then changing server1\'s version changes only server1\'s API container', () => {
    const changed = changedResources(synthWithVersions('v1', 'v2'), synthWithVersions('v2', 'v2'));
    expect(changed).toEqual([expect.stringMatching(/^docker_container\.failover-api_server1_api_[0-9A-F]{8}$/)]);
  });

  test('the version reaches the API container\'s env only', () => {
    const json = synthWithVersions('v1', 'v9');
    const withVersion = Object.entries(json.resource.docker_container).filter(([, c]) => JSON.stringify(c).includes('v9')).map(([n]) => n);
    expect(withVersion).toEqual([expect.stringMatching(/^failover-api_server2_api_/)]);
    const api = json.resource.docker_container[withVersion[0]];
    expect(api.env).toContain('VERSION=v9');
  });
});
