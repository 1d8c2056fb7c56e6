import { BdrNodeConfig } from './bdr-node-config';
import { resolveBdrNodeConfig } from './resolve-bdr-node-config';

/** pglogical's output plugin; servers with the allowlist refuse it unless it is listed. */
export const PGLOGICAL_OUTPUT_PLUGIN = 'pglogical_output';
/** The allowlist value for servers that have `output_plugin_libraries`: the built-ins plus pglogical's. */
export const OUTPUT_PLUGIN_LIBRARIES = ['pgoutput', 'test_decoding', PGLOGICAL_OUTPUT_PLUGIN].join(', ');

/** One postgresql.conf setting, with its raw (unquoted) value. */
export interface PostgresSetting {
  /** The setting's name, e.g. `wal_level`. */
  readonly name: string;
  /** Its value, unquoted; the renderer quotes it where postgresql.conf needs it. */
  readonly value: string;
}

/** postgresql.conf for a pglogical node, shared by the constructs and the local runtime. */
export class PostgresSettings {
  /**
   * The settings a pglogical node needs. `track_commit_timestamp` must be on, or last_update_wins silently
   * falls back to apply_remote.
   */
  public static list(config: BdrNodeConfig): PostgresSetting[] {
    return settingsOf(config);
  }

  /** postgresql.conf lines for a pglogical node (values quoted where postgresql.conf needs it). */
  public static render(config: BdrNodeConfig, extra?: PostgresSetting[]): string {
    return renderSettings(config, extra ?? []);
  }

  /**
   * Reads `postgres --describe-config` output: true when the server has the `output_plugin_libraries` allowlist
   * (PostgreSQL 15.19, 16.15 and later), which must then list `pglogical_output`.
   */
  public static describesOutputPluginAllowlist(describeConfigOutput: string): boolean {
    return describeConfigOutput.split('\n').some((line) => line.split('\t')[0] === 'output_plugin_libraries');
  }

  private constructor() {}
}

/** @deprecated Use `PostgresSettings.list`; this alias goes in 0.3.0. */
export function postgresSettings(props: BdrNodeConfig): PostgresSetting[] {
  return settingsOf(props);
}

/** @deprecated Use `PostgresSettings.render`; this alias goes in 0.3.0. */
export function renderPostgresSettings(props: BdrNodeConfig, extra: PostgresSetting[] = []): string {
  return renderSettings(props, extra);
}

/** @deprecated Use `PostgresSettings.describesOutputPluginAllowlist`; this alias goes in 0.3.0. */
export function describesOutputPluginAllowlist(describeConfigOutput: string): boolean {
  return PostgresSettings.describesOutputPluginAllowlist(describeConfigOutput);
}

function settingsOf(props: BdrNodeConfig): PostgresSetting[] {
  const node = resolveBdrNodeConfig(props);
  const capacity = String(node.replicationCapacity);
  const settings: [string, string][] = [
    ['listen_addresses', node.listenAddresses],
    ['port', String(node.listenPort)],
    ['wal_level', 'logical'],
    ['max_worker_processes', capacity],
    ['max_replication_slots', capacity],
    ['max_wal_senders', capacity],
    ['shared_preload_libraries', 'pglogical'],
    ['track_commit_timestamp', 'on'],
    ['pglogical.conflict_resolution', 'last_update_wins'],
    ['password_encryption', 'scram-sha-256'],
    ['max_slot_wal_keep_size', node.maxSlotWalKeepSizeMb === -1 ? '-1' : `${node.maxSlotWalKeepSizeMb}MB`],
  ];
  if (node.outputPluginAllowlist) {
    settings.push(['output_plugin_libraries', OUTPUT_PLUGIN_LIBRARIES]);
  }
  return settings.map(([name, value]) => ({ name, value }));
}

function renderSettings(props: BdrNodeConfig, extra: PostgresSetting[]): string {
  const node = resolveBdrNodeConfig(props);
  const lines = [...settingsOf(props), ...extra].map(
    ({ name, value }) => `${name} = ${/^([A-Za-z_][A-Za-z0-9_]*|\d+)$/.test(value) ? value : `'${value.replace(/'/g, "''")}'`}`,
  );
  return [`# Rendered by cdktf-failover-api for pglogical node ${node.local.name}`, ...lines].join('\n') + '\n';
}
