import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { versionVariableName } from '../lib/smoke/smoke-stack-contract';

/** The two database passwords as sensitive variables: set them with TF_VAR_api_password and TF_VAR_replication_password. */
export function passwordVariables(scope: Construct): { apiPassword: string; replicationPassword: string } {
  const variable = (id: string, description: string) =>
    new TerraformVariable(scope, id, { type: 'string', sensitive: true, nullable: false, description }).stringValue;
  return {
    apiPassword: variable('api_password', 'Password of the API database role (TF_VAR_api_password)'),
    replicationPassword: variable('replication_password', 'Password of the pglogical replication role (TF_VAR_replication_password)'),
  };
}

/** One version variable per host: a rolling update is one `cdktf deploy` per changed variable. */
export function versionVariable(scope: Construct, host: string): string {
  return new TerraformVariable(scope, versionVariableName(host), {
    type: 'string',
    default: 'v1',
    description: `Version ${host}'s API runs; changing it replaces only ${host}'s API container`,
  }).stringValue;
}
