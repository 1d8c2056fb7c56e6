// A brand in the global symbol registry, so a ValidationError is known as one even when two copies of this
// package are loaded (a construct library depending on its own copy), where instanceof would say no.
const VALIDATION_ERROR_BRAND = Symbol.for('cdktf-failover-api.ValidationError');

// The constructs whose props are being validated, outermost first: a construct enters its scope before it
// validates (enterValidationScope), and an error takes the outermost one when it is made. So a FailoverApi's
// children report as the FailoverApi whose props they were given.
const scopes: string[] = [];

/**
 * Marks everything validated from now until the returned function is called as the props of `where`, e.g.
 * `FailoverApi my-stack/api`; call the function in a finally.
 */
export function enterValidationScope(where: string): () => void {
  scopes.push(where);
  return () => {
    scopes.pop();
  };
}

/**
 * Raised for a prop that would render a broken or unsafe config.
 * The message names the prop and what is allowed, so it can be fixed without reading the code.
 */
export class ValidationError extends Error {
  /** Dotted path of the offending prop, e.g. `servers[1].port`. */
  public readonly field: string;
  /** What is wrong and what is allowed, without the field. */
  public readonly detail: string;
  /** The construct whose props these are, e.g. `FailoverApi my-stack/api`, when one is validating. */
  public readonly scope?: string;

  constructor(field: string, detail: string, scope: string | undefined = scopes[0], combined = false) {
    // Several props at once read "<scope>: 3 props are invalid:" and then one line each.
    super(`${scope ? `${scope}: ` : ''}${combined ? '' : `${field}: `}${detail}`);
    this.name = 'ValidationError';
    this.field = field;
    this.detail = detail;
    this.scope = scope;
    Object.defineProperty(this, VALIDATION_ERROR_BRAND, { value: true });
  }

  /**
   * One error for several bad props: the only one as it is, or all of them, one per line. Its `field` lists
   * every prop, comma-separated.
   */
  static all(all: readonly ValidationError[]): ValidationError {
    // A prop two checks both look at (the strategy) is reported once.
    const errors = all.filter((e, i) => all.findIndex((o) => o.field === e.field && o.detail === e.detail) === i);
    if (errors.length === 1) {
      return errors[0];
    }
    return new ValidationError(
      errors.map((e) => e.field).join(', '),
      `${errors.length} props are invalid:\n${errors.map((e) => `  ${e.field}: ${e.detail}`).join('\n')}`,
      errors[0].scope,
      true,
    );
  }
}

/**
 * Tells the error a bad prop throws from others. `ValidationError` itself extends `Error`, which jsii cannot
 * export, so this is its face in the assembly; in TypeScript the guard also narrows to it.
 */
export class Errors {
  /** True for the error a bad prop throws, from any copy of this package. Its message names the prop and what is allowed. */
  public static isValidationError(x: any): x is ValidationError {
    return x !== null && typeof x === 'object' && (x as Record<symbol, unknown>)[VALIDATION_ERROR_BRAND] === true;
  }

  private constructor() {}
}
