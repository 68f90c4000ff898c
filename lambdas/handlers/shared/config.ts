import { z } from 'zod';

/**
 * Thrown at cold start when the function's configuration is incomplete or malformed. It lists every failing
 * variable and why (`ORDERS_TABLE_NAME: required; DETECTOR_CONFIG: not valid JSON`), so one deploy fixes them all;
 * it never quotes a variable's value, which may be a secret.
 */
class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(
    /** One line per problem: `<variable>[.<field>]: <why>`. */
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid configuration: ${problems.join('; ')}`, options);
  }
}

/** The environment as Lambda gives it: every value a string, a variable not set is undefined. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses a function's environment with its configuration schema, once at cold start. Throws
 * {@link ConfigurationError} naming every failing variable at once.
 *
 * @example
 * const config = parseConfig(z.object({ ORDERS_TABLE_NAME: requiredText }), process.env);
 */
export function parseConfig<S extends z.ZodType<unknown, Environment>>(
  schema: S,
  environment: Environment,
): z.output<S> {
  const result = schema.safeParse(environment);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(environment)'}: ${issue.message}`,
  );
  throw new ConfigurationError(problems, { cause: result.error });
}

/** A variable that must be set and not empty. */
export const requiredText = z.string({ error: 'required' }).min(1, 'required');

/** A variable that may be left out; empty counts as left out. */
export const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** A text variable with a default when it is left out or empty. */
export const textOr = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : value));

/**
 * A number variable, checked by `schema` (e.g. `z.number().int().positive()`), with a default when it is left
 * out or empty.
 */
export const numberOr = (fallback: number, schema: z.ZodNumber = z.number()) =>
  z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined || text.trim() === '') return fallback;
      const value = Number(text);
      if (!Number.isNaN(value)) return value;
      context.addIssue({ code: 'custom', message: 'not a number' });
      return z.NEVER;
    })
    .pipe(schema);

/**
 * A JSON variable: the text is parsed (`not valid JSON` otherwise) and the value checked by `schema`, which
 * sees `undefined` when the variable is left out or empty (give it a `.prefault(...)` or `.optional()`).
 */
export const jsonVariable = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .optional()
    .transform((text, context): unknown => {
      if (text === undefined || text === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
