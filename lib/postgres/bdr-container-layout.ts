/** Where the rendered files live inside a BdrNode container; shared by the construct and the Docker smoke driver. */
export const BDR_CONFIG_DIR = '/etc/postgresql/bdr';
export const BDR_WATCHDOG_SQL_PATH = `${BDR_CONFIG_DIR}/subscription-watchdog.sql`;
