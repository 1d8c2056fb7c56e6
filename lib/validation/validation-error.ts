/**
 * Raised for a prop that would render a broken or unsafe config.
 * The message names the prop and what is allowed, so it can be fixed without reading the code.
 */
export class ValidationError extends Error {
  /** Dotted path of the offending prop, e.g. `servers[1].port`. */
  public readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ValidationError';
    this.field = field;
  }
}
