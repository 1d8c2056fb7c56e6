import { BdrNodeProps } from './bdr-node-props';
import { resolveBdrNodeProps } from './resolve-bdr-node-props';

/** pglogical's output plugin; servers with the allowlist refuse it unless it is listed. */
export const PGLOGICAL_OUTPUT_PLUGIN = 'pglogical_output';
const BUILTIN_OUTPUT_PLUGINS = ['pgoutput', 'test_decoding'];

/**
 * postgresql.conf lines for a pglogical node. `track_commit_timestamp` must be on, or last_update_wins silently
 * falls back to apply_remote.
 */
export function renderPostgresSettings(props: BdrNodeProps): string {
  const node = resolveBdrNodeProps(props);
  const settings: [string, string][] = [
    ['listen_addresses', `'${node.listenAddresses}'`],
    ['port', String(node.listenPort)],
    ['wal_level', 'logical'],
    ['max_worker_processes', String(node.replicationCapacity)],
    ['max_replication_slots', String(node.replicationCapacity)],
    ['max_wal_senders', String(node.replicationCapacity)],
    ['shared_preload_libraries', "'pglogical'"],
    ['track_commit_timestamp', 'on'],
    ['pglogical.conflict_resolution', "'last_update_wins'"],
    ['password_encryption', "'scram-sha-256'"],
  ];
  if (node.outputPluginAllowlist) {
    settings.push(['output_plugin_libraries', `'${[...BUILTIN_OUTPUT_PLUGINS, PGLOGICAL_OUTPUT_PLUGIN].join(', ')}'`]);
  }
  return ['# Rendered by cdktf-failover-api for pglogical node ' + node.self.name, ...settings.map(([k, v]) => `${k} = ${v}`)].join('\n') + '\n';
}

/**
 * Reads `postgres --describe-config` output: true when the server has the `output_plugin_libraries` allowlist
 * (PostgreSQL 15.19, 16.15 and later), which must then list `pglogical_output`.
 */
export function describesOutputPluginAllowlist(describeConfigOutput: string): boolean {
  return describeConfigOutput.split('\n').some((line) => line.split('\t')[0] === 'output_plugin_libraries');
}
