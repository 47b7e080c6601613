import { z } from "zod";

/** A bad command line or environment: main.ts prints the message on one line and exits with 2. */
export class CliUsageError extends Error {}

/** A flag value (always a string on the command line) that must be a whole number in [min, max]. */
export function intOption(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** A flag value that must be a decimal number in [min, max]. */
export function numberOption(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^-?(\d+(\.\d*)?|\.\d+)$/, "must be a number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/**
 * Validate raw option values; on failure throw a CliUsageError naming where the value came from
 * (`--labels`, `SHELFSYNC_STORE_ID`, …), what is wrong and the value given.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  values: Record<string, unknown>,
  sourceOf: (key: string) => string,
): z.output<S> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  const given = values[key];
  const shown = given === undefined ? "" : ` (got ${JSON.stringify(given)})`;
  throw new CliUsageError(`${key ? sourceOf(key) : "options"}: ${issue.message}${shown}`);
}
