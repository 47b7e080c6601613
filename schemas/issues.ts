import type { z } from "zod";

/**
 * Turning zod's issues into words, once for every boundary: API bodies, feed rows, MQTT payloads,
 * configuration and command lines all name the field (a dotted path) and the reason.
 */

/** One thing wrong with a value: the field (dotted path; `whole` names the value itself) and why. */
export interface FieldProblem {
  field: string;
  reason: string;
}

type Issues = z.ZodError | readonly z.core.$ZodIssue[];
const issuesOf = (e: Issues): readonly z.core.$ZodIssue[] => ("issues" in e ? e.issues : e);

/** Each issue as `{ field, reason }`; an issue about the whole value is named `whole`, e.g. "(body)". */
export function issueProblems(error: Issues, whole = "(payload)"): FieldProblem[] {
  return issuesOf(error).map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join(".") : whole,
    reason: issue.message,
  }));
}

/** A compact one-line rendering for a log line: "field: reason; field: reason; … 3 more". */
export function describeProblems(problems: readonly FieldProblem[], max = 5): string {
  const shown = problems.slice(0, max).map((p) => `${p.field}: ${p.reason}`);
  if (problems.length > max) shown.push(`… ${problems.length - max} more`);
  return shown.join("; ");
}

/** {@link describeProblems} of a zod failure. */
export const describeIssues = (error: Issues, whole = "(payload)", max = 5): string =>
  describeProblems(issueProblems(error, whole), max);

/**
 * An option (environment variable or command-line flag) that failed validation, as one line:
 * `SHELFSYNC_STORE_ID / --store-id: must be … (got "x y")`. `sourceOf` names where a key came from;
 * a secret's value is never repeated.
 */
export function optionProblem(
  issue: z.core.$ZodIssue,
  values: Record<string, unknown>,
  sourceOf: (key: string) => string,
  isSecret: (key: string) => boolean = () => false,
): string {
  const key = issue.path.length > 0 ? String(issue.path[0]) : "";
  const given = values[key];
  const got = given === undefined || isSecret(key) ? "" : ` (got ${JSON.stringify(given)})`;
  return `${key ? sourceOf(key) : "options"}: ${issue.message}${got}`;
}
