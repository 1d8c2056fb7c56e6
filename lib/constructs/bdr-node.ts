import { Construct } from 'constructs';
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { DEFAULT_LOG_DRIVER, DEFAULT_LOG_OPTIONS } from './container-logging';
import { oneShotContainer } from './one-shot-container';
import { BDR_BOOTSTRAP_FILES, BDR_CONFIG_DIR, BDR_MIGRATE_SQL_PATH, BDR_SUPERUSER, BDR_WATCHDOG_SQL_PATH } from '../postgres/bdr-container-layout';
import { BdrNodeConfig } from '../postgres/bdr-node-config';
import { resolveBdrNodeConfig } from '../postgres/resolve-bdr-node-config';
import { BootstrapSql } from '../postgres/render-bootstrap-sql';
import { APPLY_MIGRATION_FUNCTION } from '../postgres/render-schema-migrations';
import { PgHba } from '../postgres/render-pg-hba';
import { OUTPUT_PLUGIN_LIBRARIES, PostgresSettings } from '../postgres/render-postgres-settings';
import { dataVolumeOf, migratorOf } from '../naming/docker-names';
import { enterValidationScope } from '../validation/validation-error';

/** Props of `BdrNode`. */
export interface BdrNodeProps {
  /** The Docker host the node runs on. */
  readonly provider: DockerProvider;
  /** Container name; also the node's DNS name on its Docker network. */
  readonly containerName: string;
  /** Image with PostgreSQL and pglogical, built from the shipped Dockerfile or compatible with it. */
  readonly image: string;
  /** The node's pglogical settings: itself, its peer, who may connect. */
  readonly config: BdrNodeConfig;
  /** Password of the API's database role. Pass a sensitive TerraformVariable's value, never a literal. */
  readonly apiPassword: string;
  /** Password of the replication role, also the superuser's. Pass a sensitive TerraformVariable's value. */
  readonly replicationPassword: string;
  /** Docker network the node joins. */
  readonly networkName: string;
  /**
   * Publish the Postgres port on this host address, for a peer on another machine.
   * @default not published
   */
  readonly publishAddress?: string;
  /**
   * Terraform refuses any plan that would destroy the data volume (`prevent_destroy`), a replacement included.
   * Set false to let it go on purpose: to destroy the stack, or to rebuild the node from its peer.
   * @default true
   */
  readonly protectVolume?: boolean;
}

// How long the migrator waits for the node's local bootstrap (on a first deploy, initdb comes first).
const BOOTSTRAP_WAIT_SECONDS = 300;

/**
 * One BDR-style node: a Postgres container with pglogical, its data on a `docker_volume`, and the rendered
 * postgresql.conf, pg_hba.conf and bootstrap SQL uploaded into it. The image's entrypoint runs the local
 * bootstrap on first start and subscribes to the peer once the peer is up. A one-shot migrator container then
 * applies the schema's migrations; it is replaced, and so runs again, whenever the migrations change.
 */
export class BdrNode extends Construct {
  /** The Postgres container. */
  public readonly container: Container;
  /** The data volume; it outlives container replacements. */
  public readonly volume: Volume;
  /**
   * The migrator: runs the schema's migrations against this node and exits. Terraform fails the deploy when it
   * exits non-zero (a postcondition), and containers that depend on it are not created.
   */
  public readonly migrator: Container;
  /** Port Postgres listens on inside the container (and on the host when published). */
  public readonly port: number;

  constructor(scope: Construct, id: string, props: BdrNodeProps) {
    super(scope, id);
    // Its props' errors name it, unless it is part of a construct that validates them as its own.
    const leaveScope = enterValidationScope(`BdrNode ${this.node.path}`);
    try {
      const config = props.config;
      const sql = BootstrapSql.render(config);
      const resolved = resolveBdrNodeConfig(config);
      this.port = config.listenPort ?? 5432;
      this.volume = new Volume(this, 'data', {
        provider: props.provider,
        name: dataVolumeOf(props.containerName),
        lifecycle: { preventDestroy: props.protectVolume ?? true },
      });
      this.container = new Container(this, 'container', {
        provider: props.provider,
        name: props.containerName,
        image: props.image,
        restart: 'unless-stopped',
        logDriver: DEFAULT_LOG_DRIVER,
        logOpts: DEFAULT_LOG_OPTIONS,
        // An init reaps the detached subscriber loop, so the postmaster never sees a stranger child exit.
        init: true,
        command: ['postgres', '-c', `config_file=${BDR_CONFIG_DIR}/postgresql.conf`],
        env: [
          `POSTGRES_PASSWORD=${props.replicationPassword}`,
          `REPLICATION_PASSWORD=${props.replicationPassword}`,
          `API_PASSWORD=${props.apiPassword}`,
          `REPLICATION_USER=${resolved.replicationUser}`,
          `BDR_CONFIG_DIR=${BDR_CONFIG_DIR}`,
          `BDR_DATABASE=${resolved.database}`,
          `BDR_OUTPUT_PLUGIN_LIBRARIES=${OUTPUT_PLUGIN_LIBRARIES}`,
          // psql, pg_isready and the image's first-init server all find the server on this port.
          `PGPORT=${this.port}`,
          `BDR_DIVERGENCE_CHECK_SECONDS=${resolved.divergenceCheckIntervalSeconds}`,
        ],
        volumes: [{ volumeName: this.volume.name, containerPath: '/var/lib/postgresql/data' }],
        upload: [
          {
            file: `${BDR_CONFIG_DIR}/postgresql.conf`,
            content: PostgresSettings.render(config, [{ name: 'hba_file', value: `${BDR_CONFIG_DIR}/pg_hba.conf` }]),
          },
          { file: `${BDR_CONFIG_DIR}/pg_hba.conf`, content: PgHba.render(config) },
          ...Object.entries(BDR_BOOTSTRAP_FILES).map(([key, file]) => ({
            file: `${BDR_CONFIG_DIR}/${file}`,
            content: sql[key as keyof typeof BDR_BOOTSTRAP_FILES],
          })),
          { file: BDR_WATCHDOG_SQL_PATH, content: sql.watchdog },
        ],
        networksAdvanced: [{ name: props.networkName }],
        ports: props.publishAddress ? [{ internal: this.port, external: this.port, ip: props.publishAddress }] : undefined,
        healthcheck: {
          // Over TCP: the image's first-init server listens on the unix socket only, so it never looks healthy.
          // As the superuser, whom pg_hba admits from 127.0.0.1: pg_isready leaves before authenticating, and
          // that logs nothing (as root it logged `role "root" does not exist` every 5 s).
          test: ['CMD', 'pg_isready', '-q', '-h', '127.0.0.1', '-p', String(this.port), '-U', BDR_SUPERUSER, '-d', 'postgres'],
          interval: '5s',
          timeout: '3s',
          retries: 5,
          startPeriod: '30s',
        },
        wait: true,
        waitTimeout: 180,
        // The image stops with SIGINT (a fast shutdown). Without a grace, Terraform's destroy kills it at once
        // and the next start runs crash recovery.
        destroyGraceSeconds: 30,
      });
      const db = resolved.database;
      const psql = `psql -X -h 127.0.0.1 -U ${BDR_SUPERUSER}`;
      this.migrator = new Container(this, 'migrator', {
        provider: props.provider,
        name: migratorOf(props.containerName),
        image: props.image,
        ...oneShotContainer(
          `a schema migration failed on ${props.containerName} (docker logs ${props.containerName}-migrate says which and why); nothing of that migration was applied`,
        ),
        // In the node's network namespace: it reaches the node on 127.0.0.1, which pg_hba admits for the superuser
        // only from there, and no network of the host's needs a superuser line.
        networkMode: `container:${this.container.id}`,
        env: [`PGPASSWORD=${props.replicationPassword}`, `PGPORT=${this.port}`],
        entrypoint: [
          'bash',
          '-c',
          [
            'deadline=$((SECONDS + ' + BOOTSTRAP_WAIT_SECONDS + '))',
            `until [ "$(${psql} -q -t -A -d ${db} -c "SELECT to_regprocedure('${APPLY_MIGRATION_FUNCTION}') IS NOT NULL" 2>/dev/null)" = t ]; do`,
            `  if [ $SECONDS -ge $deadline ]; then echo "migrate: ${props.containerName} did not finish its bootstrap within ${BOOTSTRAP_WAIT_SECONDS} s" >&2; exit 1; fi`,
            '  sleep 1',
            'done',
            `exec ${psql} -v ON_ERROR_STOP=1 -d postgres -f ${BDR_MIGRATE_SQL_PATH}`,
          ].join('\n'),
        ],
        upload: [{ file: BDR_MIGRATE_SQL_PATH, content: sql.migrate }],
      });
    } finally {
      leaveScope();
    }
  }
}
