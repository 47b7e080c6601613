import type { z } from "zod";
import { describeProblems, type FieldProblem, issueProblems } from "../../schemas/index.ts";

/** Why a payload was refused: the field (dotted path, "(payload)" for the whole message) and the reason. */
export type PayloadProblem = FieldProblem;
export { describeProblems };

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
  return { ok: false, problems: issueProblems(parsed.error, "(payload)") };
}
