import { Token } from 'cdktf';
import { ValidationError } from '../validation/validation-error';

/**
 * A secret must be an unresolved reference (a sensitive TerraformVariable, a data source...): a literal string
 * would be written in plain text into cdk.tf.json.
 */
export function checkSecret(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(
      field,
      'must be set: pass the value of a sensitive TerraformVariable, e.g. new TerraformVariable(this, "db_password", { type: "string", sensitive: true }).stringValue',
    );
  }
  if (!Token.isUnresolved(value)) {
    throw new ValidationError(
      field,
      'must not be a literal string (it would be written in plain text into cdk.tf.json): pass the value of a sensitive TerraformVariable instead',
    );
  }
  return value;
}
