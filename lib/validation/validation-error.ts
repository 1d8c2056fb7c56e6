/**
 * Raised for a prop that would render a broken or unsafe config.
 * The message names the prop and what is allowed, so it can be fixed without reading the code.
 */
export class ValidationError extends Error {
  /** Dotted path of the offending prop, e.g. `servers[1].port`. */
  public readonly field: string;
  /** What is wrong and what is allowed, without the field. */
  public readonly detail: string;

  constructor(field: string, detail: string, where?: string) {
    super(`${where ? `${where}: ` : ''}${field}: ${detail}`);
    this.name = 'ValidationError';
    this.field = field;
    this.detail = detail;
  }

  /** The same error, located at a construct path, e.g. `FailoverApi my-stack/api`. */
  at(where: string): ValidationError {
    return new ValidationError(this.field, this.detail, where);
  }
}
