import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { DatabaseSchema, FailoverApi } from '../../lib';
import { passwordVariables } from '../../stacks/stack-variables';
import { TerraformJsonDocument } from '../support/docker-engine/terraform-json';
import { dockerNames } from '../../lib/naming/docker-names';

/** Names and ports of the Docker stage's own stack, apart from any real deployment on the same daemon. */
export const STAGE = {
  stackName: 'docker-stage',
  namePrefix: 'cdktf-fa-stage',
  frontendPort: 18080,
  subnet: '172.29.83.0/24',
  healthPath: '/healthz',
  intervalMs: 1000,
  /** The nodes' divergence checks, often enough for a test to see one. */
  divergenceCheckSeconds: 3,
  /** The nodes' WAL limit for an absent peer (max_slot_wal_keep_size), small enough for a test to exceed. */
  walKeepMb: 32,
};

export interface StageStackOptions {
  /** Where the official base images come from (the stand-ins' registry). */
  readonly imageRegistry: string;
  /** HAProxy weights of server1 and server2. */
  readonly weights?: number[];
  /** Each host's version. */
  readonly versions?: string[];
  /** The API's schema. */
  readonly schema?: DatabaseSchema;
}

/** A synthesized FailoverApi with a custom health path, in a temp outdir with its assets. */
export class StageSynth {
  readonly outdir = mkdtempSync(join(tmpdir(), 'cdktf.outdir.'));

  constructor(private options: StageStackOptions) {}

  get stackDir(): string {
    return join(this.outdir, 'stacks', STAGE.stackName);
  }

  /** Synthesizes the stack with `changes` on top of every earlier synth's, as edits to a stack's source add up. */
  synth(changes: Partial<StageStackOptions> = {}): TerraformJsonDocument {
    const o = { ...this.options, ...changes };
    this.options = o;
    const app = new App({ outdir: this.outdir });
    const stack = new TerraformStack(app, STAGE.stackName);
    new FailoverApi(stack, 'api', {
      ...passwordVariables(stack),
      provider: new DockerProvider(stack, 'docker', {}),
      namePrefix: STAGE.namePrefix,
      frontendPort: STAGE.frontendPort,
      networkSubnet: STAGE.subnet,
      healthCheck: { path: STAGE.healthPath, intervalMs: STAGE.intervalMs },
      divergenceCheckIntervalSeconds: STAGE.divergenceCheckSeconds,
      maxSlotWalKeepSizeMb: STAGE.walKeepMb,
      baseImages: { registry: o.imageRegistry },
      schema: o.schema,
      hosts: ['server1', 'server2'].map((name, i) => ({ name, version: o.versions?.[i] ?? 'v1', weight: o.weights?.[i] })),
    });
    app.synth();
    return JSON.parse(readFileSync(join(this.stackDir, 'cdk.tf.json'), 'utf8')) as TerraformJsonDocument;
  }

  remove(): void {
    rmSync(this.outdir, { recursive: true, force: true });
  }
}

const names = dockerNames(STAGE.namePrefix);
export const stageContainers = {
  haproxy: names.haproxy,
  writer: names.haproxyConfigWriter,
  api: names.api,
  database: names.database,
  migrator: names.migrator,
};
