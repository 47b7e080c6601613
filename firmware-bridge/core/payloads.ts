import type { z } from "zod";

/** Why a payload was refused: the field (dotted path, "(payload)" for the whole message) and the reason. */
export interface PayloadProblem {
  field: string;
  reason: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; problems: PayloadProblem[] };

/** Parse JSON and validate it, naming the offending field instead of throwing. */
export function decodeJson<S extends z.ZodType>(payload: Buffer | string, schema: S): Decoded<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString());
  } catch (error) {
    const reason = error instanceof Error ? error.message : "not JSON";
    return { ok: false, problems: [{ field: "(payload)", reason: `not valid JSON: ${reason}` }] };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.map(String).join(".") : "(payload)",
      reason: issue.message,
    })),
  };
}

/** A compact one-line rendering of a few problems for a log line. */
export function describeProblems(problems: readonly PayloadProblem[], max = 5): string {
  const shown = problems.slice(0, max).map((p) => `${p.field}: ${p.reason}`);
  if (problems.length > max) shown.push(`… ${problems.length - max} more`);
  return shown.join("; ");
}
