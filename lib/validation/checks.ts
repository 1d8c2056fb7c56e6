import { isIP } from 'node:net';
import { ValidationError } from './validation-error';

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Whether a value is a Terraform token, as CDKTF encodes one: a string with `${TfToken[...]}` in it, or a number in
 * the huge negative range CDKTF reserves for number tokens. (Renderers import nothing from cdktf, so they cannot
 * ask `Token.isUnresolved`.)
 */
export function isTerraformToken(value: unknown): boolean {
  return (typeof value === 'string' && value.includes('${TfToken[')) || (typeof value === 'number' && value < -1e288);
}

const TOKEN_IN_NUMBER =
  'must be a number known at synth time, not a Terraform token (a variable, a data source or ' +
  "another resource's attribute): it is written into the rendered config files and checked here. Pass a literal, " +
  'e.g. one read from an environment variable or cdktf.json context';

/** An integer in [min, max]; rejects NaN, fractions, strings, Infinity and Terraform tokens. */
export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (isTerraformToken(value)) {
    throw new ValidationError(field, TOKEN_IN_NUMBER);
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new ValidationError(field, `must be true or false, got ${describe(value)}`);
  }
  return value;
}

export function checkPort(field: string, value: unknown): number {
  return checkInteger(field, value, 1, 65535);
}

/** A string matching `pattern`; `allowed` tells the user what would have matched. */
export function checkPattern(field: string, value: unknown, pattern: RegExp, allowed: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new ValidationError(field, `must be ${allowed}, got ${describe(value)}`);
  }
  return value;
}

export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(field, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** Names that are safe as HAProxy server names, Docker container names and pglogical node names alike. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,30}$/;
export const NAME_ALLOWED = '1-31 characters of lowercase letters, digits, _ and -, starting with a letter';

export function checkName(field: string, value: unknown): string {
  return checkPattern(field, value, NAME_PATTERN, NAME_ALLOWED);
}

export function checkUniqueNames(field: string, names: readonly string[]): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) {
      throw new ValidationError(`${field}[${i}].name`, `must be unique, but ${JSON.stringify(name)} is used twice`);
    }
    seen.add(name);
  });
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IPv4 address, an IPv6 address or a DNS hostname. */
export function checkHost(field: string, value: unknown): string {
  if (typeof value === 'string' && (isIP(value) !== 0 || HOSTNAME.test(value))) {
    return value;
  }
  throw new ValidationError(field, `must be an IPv4 address, an IPv6 address or a DNS hostname, got ${describe(value)}`);
}

/** An IP address (v4 or v6), no hostnames: for bind and ACL addresses. */
export function checkIp(field: string, value: unknown): string {
  if (typeof value === 'string' && isIP(value) !== 0) {
    return value;
  }
  throw new ValidationError(field, `must be an IPv4 or IPv6 address, got ${describe(value)}`);
}

/** An IP address or CIDR block such as 10.0.0.0/8. */
export function checkCidr(field: string, value: unknown): string {
  if (typeof value === 'string') {
    const [ip, bits, ...rest] = value.split('/');
    const family = isIP(ip);
    const maxBits = family === 6 ? 128 : 32;
    if (family !== 0 && rest.length === 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits))) {
      return value;
    }
  }
  throw new ValidationError(field, `must be an IP address or CIDR block such as 10.0.0.0/8, got ${describe(value)}`);
}
