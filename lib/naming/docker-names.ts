/**
 * The names of the Docker objects a FailoverApi makes, from its `namePrefix`: the one place they are spelled. The
 * constructs name their containers, volumes and network with these, and the Docker smoke driver and the Docker
 * stage find them by the same rules. (Names are global on a Docker host, hence the prefix.)
 */
export interface DockerNames {
  readonly network: string;
  readonly haproxy: string;
  /** HAProxy's one-shot config writer. */
  readonly haproxyConfigWriter: string;
  api(host: string): string;
  database(host: string): string;
  /** The database node's one-shot migrator. */
  migrator(host: string): string;
  /** The database node's data volume. */
  dataVolume(host: string): string;
}

/** The config writer of an HAProxy container of this name. */
export function configWriterOf(haproxyContainer: string): string {
  return `${haproxyContainer}-config`;
}

/** The migrator of a database container of this name. */
export function migratorOf(databaseContainer: string): string {
  return `${databaseContainer}-migrate`;
}

/** The data volume of a database container of this name. */
export function dataVolumeOf(databaseContainer: string): string {
  return `${databaseContainer}-data`;
}

export function dockerNames(prefix: string): DockerNames {
  const database = (host: string) => `${prefix}-${host}-db`;
  return {
    network: `${prefix}-net`,
    haproxy: `${prefix}-haproxy`,
    haproxyConfigWriter: configWriterOf(`${prefix}-haproxy`),
    api: (host) => `${prefix}-${host}-api`,
    database,
    migrator: (host) => migratorOf(database(host)),
    dataVolume: (host) => dataVolumeOf(database(host)),
  };
}
