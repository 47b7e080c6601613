import { z } from "zod";
import { commaList } from "../lib/options.ts";
import { optionProblem } from "../schemas/index.ts";
import type { RawFlags } from "./kinds.ts";

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
  throw new CliUsageError(optionProblem(parsed.error.issues[0]!, values, sourceOf));
}

/** A flag's value, else the environment variable's, and where it came from (`--flag` or the variable). */
export function flagOrEnv(
  flags: RawFlags,
  flag: string,
  env: NodeJS.ProcessEnv,
  envName: string,
): { value: string | undefined; source: string } {
  const given = flags[flag];
  return typeof given === "string"
    ? { value: given, source: `--${flag}` }
    : { value: env[envName], source: envName };
}

/**
 * A repeatable flag's values, else the environment variable's comma-separated items, and where they
 * came from: `--ap a --ap b` or `SHELFSYNC_OEPL_AP=a,b`.
 */
export function flagOrEnvList(
  flags: RawFlags,
  flag: string,
  env: NodeJS.ProcessEnv,
  envName: string,
): { values: string[]; source: string } {
  const given = flags[flag];
  const fromFlags = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map(String);
  return fromFlags.length > 0
    ? { values: fromFlags, source: `--${flag}` }
    : { values: commaList(env[envName]), source: envName };
}
