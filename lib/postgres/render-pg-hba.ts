import { BDR_SUPERUSER } from './bdr-container-layout';
import { BdrNodeConfig } from './bdr-node-config';
import { resolveBdrNodeConfig } from './resolve-bdr-node-config';

/** pg_hba.conf for a pglogical node, shared by the constructs and the local runtime. */
export class PgHba {
  /**
   * pg_hba.conf that admits only the peer's replication role and the local API's role, both with SCRAM, plus
   * unix-socket connections for administration. Anything else is rejected (no matching line).
   */
  public static render(config: BdrNodeConfig): string {
    return render(config);
  }

  private constructor() {}
}

/** @deprecated Use `PgHba.render`; this alias goes in 0.3.0. */
export function renderPgHba(props: BdrNodeConfig): string {
  return render(props);
}

function render(props: BdrNodeConfig): string {
  const node = resolveBdrNodeConfig(props);
  const lines = [
    `# Rendered by cdktf-failover-api for pglogical node ${node.local.name}: only the peer and the local API.`,
    '# TYPE  DATABASE     USER  ADDRESS  METHOD',
    `local   all          all            ${node.localAuthMethod}`,
    // From inside the container's own network namespace only: its readiness check (pg_isready over TCP, which
    // disconnects before authenticating) and the migrator, which shares that namespace.
    `host    postgres,${node.database}  ${BDR_SUPERUSER}  127.0.0.1/32  scram-sha-256`,
    ...node.peerAddresses.flatMap((addr) => [
      `host    ${node.database}  ${node.replicationUser}  ${withMask(addr)}  scram-sha-256`,
      `host    replication  ${node.replicationUser}  ${withMask(addr)}  scram-sha-256`,
    ]),
    ...node.apiAddresses.map((addr) => `host    ${node.database}  ${node.apiUser}  ${withMask(addr)}  scram-sha-256`),
  ];
  return lines.join('\n') + '\n';
}

function withMask(address: string): string {
  if (address.includes('/')) {
    return address;
  }
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}
