import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../../../lib/node-runtime';
import { DockerEngineApi, tarOf } from './docker-engine-api';
import { ResourceAddress, referencesOf, TerraformExpressions, TerraformJsonDocument } from './terraform-json';

const run = promisify(execFile);

/** Every docker_container attribute the stage knows how to run; any other fails the test, so nothing drifts. */
const CONTAINER_ATTRIBUTES = new Set([
  '//',
  'provider',
  'depends_on',
  'lifecycle',
  'name',
  'image',
  'env',
  'command',
  'entrypoint',
  'restart',
  'init',
  'log_driver',
  'log_opts',
  'stop_signal',
  'stop_timeout',
  'destroy_grace_seconds',
  'healthcheck',
  'wait',
  'wait_timeout',
  'volumes',
  'ports',
  'networks_advanced',
  'network_mode',
  'upload',
  'must_run',
  'attach',
  'logs',
  'memory',
  'cpu_shares',
]);

type Attributes = Record<string, unknown>;

/** How long a Go duration string (`5s`, `500ms`, `1m`) is, in nanoseconds, as the provider parses it. */
function nanoseconds(duration: unknown): number | undefined {
  if (typeof duration !== 'string') {
    return undefined;
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(duration);
  if (!m) {
    throw new Error(`duration ${duration}: the Docker stage reads only ms, s and m`);
  }
  return Math.round(Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9 }[m[2] as 'ms' | 's' | 'm']);
}

/** What applying one container did. */
export interface ContainerApply {
  readonly address: ResourceAddress;
  readonly name: string;
  readonly id: string;
  /** Milliseconds since the epoch when the provider's `wait` saw the container healthy (or it exited, with attach). */
  readonly readyAt: number;
}

/** Options of a Docker stage. */
export interface DockerStageOptions {
  /** Directory of the synthesized stack (holding cdk.tf.json and its assets). */
  readonly stackDir: string;
  /** Terraform variables (TF_VAR_*). */
  readonly variables: Record<string, string>;
  /** Every image this stage builds is tagged under this repository prefix, and removed by it. */
  readonly imagePrefix: string;
  /** Label put on every image built, for the cleanup. */
  readonly label: string;
  readonly onProgress?: (message: string) => void;
}

/**
 * Runs a synthesized cdk.tf.json on a real Docker daemon the way kreuzwerker/docker 3.6.2 applies it
 * (resource_docker_container_funcs.go): create on the default bridge, move to `networks_advanced`, upload the
 * files through the archive endpoint, start, then `wait` for healthy or, with `attach`, for the exit code and its
 * postcondition. A replacement stops the old container with `destroy_grace_seconds`, removes it, then creates the
 * new one. This tests the images and the containers' behaviour as the JSON defines them, not the provider.
 * It owns what it creates, by name, and `destroy()` removes it all.
 */
export class DockerStage {
  readonly engine = new DockerEngineApi();
  private doc!: TerraformJsonDocument;
  /** Each docker_image built: its id, and the build it came from (a changed build is built again). */
  private readonly images = new Map<ResourceAddress, { id: string; build: string }>();
  private readonly applied = new Map<ResourceAddress, { id: string; attributes: string }>();
  private readonly names = { containers: new Set<string>(), volumes: new Set<string>(), networks: new Set<string>(), tags: new Set<string>() };

  constructor(private readonly options: DockerStageOptions) {}

  /** The synthesized resources of one type, by name. */
  resources(type: string): Record<string, Attributes> {
    return this.doc.resource[type] ?? {};
  }

  /** A resource's attributes with every expression evaluated. */
  resolved(address: ResourceAddress): Attributes {
    const [type, name] = address.split('.');
    const raw = this.doc.resource[type]?.[name];
    if (raw === undefined) {
      throw new Error(`${address} is not in the synthesized JSON`);
    }
    // Conditions refer to `self` and are evaluated after create (see createContainer), not here.
    const { lifecycle, '//': _metadata, ...attributes } = raw;
    return { ...this.expressions().resolve(attributes), ...(lifecycle === undefined ? {} : { lifecycle }) };
  }

  /** The address of the docker_container whose `name` is `containerName`. */
  containerAddress(containerName: string): ResourceAddress {
    const found = Object.keys(this.resources('docker_container')).find((n) => this.resolved(`docker_container.${n}`).name === containerName);
    if (!found) {
      throw new Error(`no docker_container named ${containerName} in the synthesized JSON`);
    }
    return `docker_container.${found}`;
  }

  /**
   * Applies a (re)synthesized document as Terraform would: creates what is new, replaces every container
   * whose attributes changed (each is ForceNew for what the constructs set), in dependency order.
   */
  async apply(doc: TerraformJsonDocument): Promise<ContainerApply[]> {
    this.doc = doc;
    const done: ContainerApply[] = [];
    for (const address of this.order()) {
      const [type] = address.split('.');
      if (type === 'docker_network') {
        await this.network(address);
      } else if (type === 'docker_volume') {
        await this.volume(address);
      } else if (type === 'docker_image') {
        await this.image(address);
      } else if (type === 'docker_container') {
        const attributes = JSON.stringify(this.resolved(address));
        const previous = this.applied.get(address);
        if (previous?.attributes === attributes) {
          continue;
        }
        if (previous) {
          await this.destroyContainer(address);
        }
        done.push(await this.createContainer(address, attributes));
      } else {
        throw new Error(`${address}: the Docker stage does not apply ${type}`);
      }
    }
    return done;
  }

  /**
   * What `terraform apply -replace=<address>` does: destroy, then create the same container again.
   * `betweenDestroyAndCreate` runs in the gap, as other containers on a busy daemon would.
   */
  async replace(address: ResourceAddress, betweenDestroyAndCreate?: () => Promise<void>): Promise<ContainerApply> {
    await this.destroyContainer(address);
    await betweenDestroyAndCreate?.();
    return this.createContainer(address, JSON.stringify(this.resolved(address)));
  }

  /**
   * A disk lost: the containers that use the volume (and those that depend on them) are removed, then the volume.
   * The next `apply()` creates them all again, as Terraform does once it reads the volume gone.
   */
  async loseVolume(volumeAddress: ResourceAddress, containers: ResourceAddress[]): Promise<void> {
    for (const address of containers) {
      await this.destroyContainer(address);
    }
    const { name } = this.resolved(volumeAddress) as { name: string };
    await this.engine.ok('DELETE', `/volumes/${encodeURIComponent(name)}?force=true`, undefined, { alsoOk: [404] });
    this.names.volumes.delete(name);
    this.options.onProgress?.(`volume ${name} lost`);
  }

  /** A bystander container of the stage's own (removed by `destroy()`), e.g. to hold an address. */
  async bystander(name: string, image: string, network: string): Promise<void> {
    this.names.containers.add(name);
    const created = await this.engine.ok<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
      Image: image,
      Cmd: ['sleep', 'infinity'],
      HostConfig: { NetworkMode: network, Init: true },
    });
    await this.engine.ok('POST', `/containers/${created.Id}/start`);
  }

  /** A container's state, from the daemon. */
  async inspect(
    containerName: string,
  ): Promise<{ State: { Status: string; Health?: { Status: string } }; NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }> {
    return this.engine.ok('GET', `/containers/${encodeURIComponent(containerName)}/json`);
  }

  /** Its address on its (only) network. */
  async ipAddress(containerName: string): Promise<string> {
    const nets = Object.values((await this.inspect(containerName)).NetworkSettings.Networks);
    return nets[0]?.IPAddress ?? '';
  }

  /** `docker logs`, stdout and stderr together; with `since`, only what was logged from then on. */
  async logs(containerName: string, since?: Date): Promise<string> {
    const args = ['logs', ...(since ? ['--since', since.toISOString()] : []), containerName];
    const { stdout, stderr } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  }

  /**
   * Removes every container, volume, network and image tag this stage made, by name; safe to call twice. With
   * FAILOVER_KEEP_LOGS set (the test environment sets it, and keeps it only for a failed file), each container's
   * `docker logs` is saved there first.
   */
  async destroy(): Promise<void> {
    const keep = process.env.FAILOVER_KEEP_LOGS;
    for (const name of keep ? this.names.containers : []) {
      const log = await this.logs(name).catch((err: Error) => `docker logs failed: ${err.message}\n`);
      mkdirSync(join(keep as string, 'docker-stage'), { recursive: true });
      writeFileSync(join(keep as string, 'docker-stage', `${name}.log`), log);
    }
    for (const name of this.names.containers) {
      await this.engine.call('DELETE', `/containers/${encodeURIComponent(name)}?force=true&v=true`);
    }
    for (const name of this.names.volumes) {
      await this.engine.call('DELETE', `/volumes/${encodeURIComponent(name)}?force=true`);
    }
    for (const name of this.names.networks) {
      await this.engine.call('DELETE', `/networks/${encodeURIComponent(name)}`);
    }
    for (const tag of this.names.tags) {
      await this.engine.call('DELETE', `/images/${encodeURIComponent(tag)}?force=true`);
    }
    this.applied.clear();
  }

  private expressions(): TerraformExpressions {
    return new TerraformExpressions(this.doc, this.options.variables, (address, attribute) => {
      if (address.startsWith('docker_image.') && attribute === 'image_id') {
        return this.images.get(address)?.id;
      }
      if (address.startsWith('docker_container.') && attribute === 'id') {
        return this.applied.get(address)?.id;
      }
      return undefined;
    });
  }

  /** Every resource, each after what it refers to. */
  private order(): ResourceAddress[] {
    const all = Object.entries(this.doc.resource)
      .filter(([type]) => type.startsWith('docker_'))
      .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    const seen = new Set<ResourceAddress>();
    const out: ResourceAddress[] = [];
    const visit = (address: ResourceAddress, path: ResourceAddress[]) => {
      if (seen.has(address)) {
        return;
      }
      if (path.includes(address)) {
        throw new Error(`dependency cycle: ${[...path, address].join(' -> ')}`);
      }
      const [type, name] = address.split('.');
      for (const ref of referencesOf(this.doc.resource[type][name])) {
        if (all.includes(ref)) {
          visit(ref, [...path, address]);
        }
      }
      seen.add(address);
      out.push(address);
    };
    all.forEach((a) => visit(a, []));
    return out;
  }

  private async network(address: ResourceAddress): Promise<void> {
    const n = this.resolved(address) as { name: string; ipam_config?: { subnet: string; gateway?: string }[] };
    if (this.names.networks.has(n.name)) {
      return;
    }
    this.names.networks.add(n.name);
    await this.engine.ok('POST', '/networks/create', {
      Name: n.name,
      CheckDuplicate: true,
      Driver: 'bridge',
      IPAM: { Driver: 'default', Config: (n.ipam_config ?? []).map((c) => ({ Subnet: c.subnet, Gateway: c.gateway })) },
    });
  }

  private async volume(address: ResourceAddress): Promise<void> {
    const v = this.resolved(address) as { name: string };
    if (!this.names.volumes.has(v.name)) {
      this.names.volumes.add(v.name);
      await this.engine.ok('POST', '/volumes/create', { Name: v.name });
    }
  }

  /** `docker build` of the image's context with its build args, tagged under the stage's prefix. */
  private async image(address: ResourceAddress): Promise<void> {
    const img = this.resolved(address) as { name: string; build?: { context: string; build_args?: Record<string, string> } };
    if (img.build === undefined) {
      throw new Error(`${address}: a pulled image (${img.name}); the Docker stage builds every image it runs, so give it a build`);
    }
    const tag = `${this.options.imagePrefix}/${img.name.replace(/[/:]/g, '-')}`;
    const build = JSON.stringify(img.build);
    if (this.images.get(address)?.build === build) {
      return;
    }
    const started = Date.now();
    const args = Object.entries(img.build.build_args ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    await run('docker', ['build', '-q', '--label', this.options.label, ...args, '-t', tag, join(this.options.stackDir, img.build.context)], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    this.names.tags.add(tag);
    const { Id } = await this.engine.ok<{ Id: string }>('GET', `/images/${encodeURIComponent(tag)}/json`);
    this.images.set(address, { id: Id, build });
    this.options.onProgress?.(`built ${img.name} as ${tag} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  private async createContainer(address: ResourceAddress, attributesJson: string): Promise<ContainerApply> {
    const c = JSON.parse(attributesJson) as Attributes;
    const unknown = Object.keys(c).filter((k) => !CONTAINER_ATTRIBUTES.has(k));
    if (unknown.length > 0) {
      throw new Error(`${address}: the Docker stage does not know ${unknown.join(', ')}; teach docker-stage.ts what the provider does with it`);
    }
    const name = c.name as string;
    const hc = c.healthcheck as { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string } | undefined;
    const ports = (c.ports as { internal: number; external?: number; ip?: string; protocol?: string }[] | undefined) ?? [];
    const volumes = (c.volumes as { volume_name: string; container_path: string; read_only?: boolean }[] | undefined) ?? [];
    const logOpts = c.log_opts as Record<string, string> | undefined;
    this.names.containers.add(name);
    const created = await this.engine.ok<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
      Image: c.image,
      Env: c.env,
      Cmd: c.command,
      Entrypoint: c.entrypoint,
      StopSignal: c.stop_signal,
      StopTimeout: c.stop_timeout,
      Healthcheck: hc && {
        Test: hc.test,
        Interval: nanoseconds(hc.interval),
        Timeout: nanoseconds(hc.timeout),
        Retries: hc.retries,
        StartPeriod: nanoseconds(hc.start_period),
      },
      ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.internal}/${p.protocol ?? 'tcp'}`, {}])),
      HostConfig: {
        // The provider's default is `bridge`, as the daemon's.
        NetworkMode: (c.network_mode as string | undefined) ?? 'bridge',
        Binds: volumes.map((v) => `${v.volume_name}:${v.container_path}${v.read_only ? ':ro' : ''}`),
        PortBindings: Object.fromEntries(
          ports.map((p) => [`${p.internal}/${p.protocol ?? 'tcp'}`, [{ HostIp: p.ip ?? '', HostPort: String(p.external ?? '') }]]),
        ),
        RestartPolicy: { Name: (c.restart as string | undefined) ?? 'no' },
        Init: c.init ?? false,
        LogConfig: { Type: c.log_driver ?? 'json-file', Config: logOpts ?? {} },
        Memory: typeof c.memory === 'number' ? c.memory * 1024 * 1024 : 0,
        CpuShares: c.cpu_shares ?? 0,
      },
    });
    // As the provider: off the default bridge, onto the networks the JSON names.
    const networks = (c.networks_advanced as { name: string }[] | undefined) ?? [];
    if (networks.length > 0) {
      await this.engine.ok('POST', '/networks/bridge/disconnect', { Container: created.Id, Force: false }, { alsoOk: [403, 404] });
      for (const n of networks) {
        await this.engine.ok('POST', `/networks/${encodeURIComponent(n.name)}/connect`, { Container: created.Id, EndpointConfig: {} });
      }
    }
    for (const u of (c.upload as { file: string; content: string; executable?: boolean }[] | undefined) ?? []) {
      await this.engine.ok(
        'PUT',
        `/containers/${created.Id}/archive?path=%2F`,
        tarOf([{ path: u.file, content: u.content, mode: u.executable ? 0o744 : 0o644 }]),
        { contentType: 'application/x-tar' },
      );
    }
    await this.engine.ok('POST', `/containers/${created.Id}/start`);
    let readyAt = Date.now();
    if (c.wait === true) {
      const timeoutMs = ((c.wait_timeout as number | undefined) ?? 60) * 1000;
      await pollUntil(
        async () => {
          const state = (await this.inspect(name)).State;
          if (state.Health === undefined) {
            throw new Error(`${name}: wait is set but the container has no healthcheck`);
          }
          return state.Health.Status === 'healthy' ? true : undefined;
        },
        { description: `${name} to be healthy (the provider's wait)`, timeoutMs, intervalMs: 250 },
      );
      readyAt = Date.now();
    }
    if (c.attach === true) {
      const exit = await this.engine.ok<{ StatusCode: number }>('POST', `/containers/${created.Id}/wait?condition=not-running`);
      readyAt = Date.now();
      const postcondition = (c.lifecycle as { postcondition?: { condition: string; error_message: string }[] } | undefined)?.postcondition ?? [];
      for (const p of postcondition) {
        if (p.condition !== '${self.exit_code == 0}') {
          throw new Error(`${address}: postcondition ${p.condition} is not one the Docker stage evaluates`);
        }
        if (exit.StatusCode !== 0) {
          // Terraform records the failed resource in state; the stage keeps it as applied, as a taint would.
          this.applied.set(address, { id: created.Id, attributes: attributesJson });
          throw new PostconditionError(address, p.error_message, exit.StatusCode);
        }
      }
    }
    this.applied.set(address, { id: created.Id, attributes: attributesJson });
    this.options.onProgress?.(`${name} created${c.wait ? ' and healthy' : ''}`);
    return { address, name, id: created.Id, readyAt };
  }

  private async destroyContainer(address: ResourceAddress): Promise<void> {
    const previous = this.applied.get(address);
    if (!previous) {
      return;
    }
    const c = JSON.parse(previous.attributes) as Attributes;
    if (c.attach !== true) {
      // ContainerStop with destroy_grace_seconds (0 when unset) as its timeout, then a forced remove.
      const grace = (c.destroy_grace_seconds as number | undefined) ?? 0;
      await this.engine.ok('POST', `/containers/${previous.id}/stop?t=${grace}`, undefined, { alsoOk: [304] });
    }
    await this.engine.ok('DELETE', `/containers/${previous.id}?force=true&v=true`, undefined, { alsoOk: [404] });
    this.applied.delete(address);
  }
}

/** A `lifecycle.postcondition` that failed: Terraform fails the apply with its message. */
export class PostconditionError extends Error {
  constructor(
    readonly address: ResourceAddress,
    readonly errorMessage: string,
    readonly exitCode: number,
  ) {
    super(`${address}: postcondition failed (exit code ${exitCode}): ${errorMessage}`);
  }
}
