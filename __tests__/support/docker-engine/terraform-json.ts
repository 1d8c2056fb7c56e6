/** A synthesized cdk.tf.json, as far as the Docker stage reads it. */
export interface TerraformJsonDocument {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  variable?: Record<string, { default?: unknown }>;
}

/** `type.name`, e.g. `docker_container.api_server1_api_59E15320`. */
export type ResourceAddress = string;

/** Go's url.QueryEscape, which Terraform's `urlencode` is: a space becomes `+`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * Evaluates the few Terraform expressions the constructs synthesize, and fails on any other, so the stage can
 * never silently run something the JSON does not say:
 * `${var.X}`, `${urlencode(var.X)}`, `${<type>.<name>.<attribute>}`, and the `%%{` / `$${` escapes.
 */
export class TerraformExpressions {
  constructor(
    private readonly doc: TerraformJsonDocument,
    private readonly variables: Record<string, string>,
    /** Attributes known only after apply, such as an image's id. */
    private readonly computed: (address: ResourceAddress, attribute: string) => string | undefined,
  ) {}

  /** The value with every expression in every string evaluated. */
  resolve<T>(value: T): T {
    if (typeof value === 'string') {
      return this.resolveString(value) as T;
    }
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v)) as T;
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)])) as T;
    }
    return value;
  }

  private resolveString(text: string): string {
    // `$${` and `%%{` are Terraform's escapes for a literal `${` and `%{`.
    return text
      .split(/(\$\$\{|%%\{|\$\{[^}]*\})/)
      .map((part) => {
        if (part === '$${') {
          return '${';
        }
        if (part === '%%{') {
          return '%{';
        }
        if (part.startsWith('${')) {
          return this.expression(part.slice(2, -1).trim());
        }
        if (part.includes('%{')) {
          throw new Error(`a Terraform template directive is not supported by the Docker stage: ${JSON.stringify(text)}`);
        }
        return part;
      })
      .join('');
  }

  private expression(expr: string): string {
    const variable = /^var\.([A-Za-z0-9_]+)$/.exec(expr);
    if (variable) {
      return this.variable(variable[1]);
    }
    const encoded = /^urlencode\(var\.([A-Za-z0-9_]+)\)$/.exec(expr);
    if (encoded) {
      return queryEscape(this.variable(encoded[1]));
    }
    const ref = /^([a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(expr);
    if (ref) {
      const [, type, name, attribute] = ref;
      const computed = this.computed(`${type}.${name}`, attribute);
      if (computed !== undefined) {
        return computed;
      }
      const value = this.doc.resource[type]?.[name]?.[attribute];
      if (typeof value !== 'string') {
        throw new Error(`\${${expr}}: no such resource attribute in the synthesized JSON, and none computed yet`);
      }
      return this.resolveString(value);
    }
    throw new Error(`\${${expr}}: an expression the Docker stage does not evaluate; teach terraform-json.ts, or the test would drift`);
  }

  private variable(name: string): string {
    const value = this.variables[name] ?? this.doc.variable?.[name]?.default;
    if (typeof value !== 'string') {
      throw new Error(`var.${name} has no value: pass it to the Docker stage`);
    }
    return value;
  }
}

/** The addresses a resource refers to, in its expressions and its depends_on. */
export function referencesOf(resource: Record<string, unknown>): ResourceAddress[] {
  const text = JSON.stringify(resource);
  const refs = [...text.matchAll(/\$\{(?:[a-z]+\()?([a-z_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\)?\}/g)].map((m) => m[1]);
  const dependsOn = (resource.depends_on as string[] | undefined) ?? [];
  return [...new Set([...refs, ...dependsOn])].filter((a) => !a.startsWith('var.'));
}
