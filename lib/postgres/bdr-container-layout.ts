/** Where the rendered files live inside a BdrNode container; shared by the construct and the Docker smoke driver. */
export const BDR_CONFIG_DIR = '/etc/postgresql/bdr';
/** The image's superuser (the official image's POSTGRES_USER default); its password is the replication password. */
export const BDR_SUPERUSER = 'postgres';
export const BDR_WATCHDOG_SQL_PATH = `${BDR_CONFIG_DIR}/subscription-watchdog.sql`;
/** The migrate script inside a BdrNode's migrator container. */
export const BDR_MIGRATE_SQL_PATH = `${BDR_CONFIG_DIR}/migrate.sql`;
/** The rendered files a BdrNode container gets, by name in BDR_CONFIG_DIR; its bootstrap script reads them. */
export const BDR_BOOTSTRAP_FILES = {
  local: 'bootstrap-local.sql',
  subscribe: 'bootstrap-subscribe.sql',
  rejoin: 'bootstrap-rejoin.sql',
  synced: 'subscription-synced.sql',
  resyncNeeded: 'resync-needed.sql',
  resync: 'bootstrap-resync.sql',
  peerResubscribe: 'peer-resubscribe.sql',
  joined: 'bootstrap-joined.sql',
  peerConnection: 'peer.conninfo',
  divergenceCheck: 'divergence-check.sql',
} as const;
