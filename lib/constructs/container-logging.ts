/**
 * Logging set explicitly on every container. Provider 3.6 reads `log_driver` and `log_opts` back from the
 * daemon and both force replacement, so a daemon whose daemon.json sets log options would otherwise see every
 * container replaced on every deploy (kreuzwerker/terraform-provider-docker#473, #873).
 */
export const DEFAULT_LOG_DRIVER = 'json-file';
export const DEFAULT_LOG_OPTIONS: { [key: string]: string } = { 'max-size': '10m', 'max-file': '3' };
