import type { z } from "zod";
import { describeProblems, type FieldProblem, issueProblems } from "../../schemas/index.ts";

/** Why a payload was refused: the field (dotted path, "(payload)" for the whole message) and the reason. */
export type PayloadProblem = FieldProblem;
export { describeProblems };

export type Decoded<T> = { ok: true; value: T } | { ok: false; problems: PayloadProblem[] };

/**
 * Parse JSON and validate it, naming the offending field instead of throwing. `plain`, when given, is
 * a hand check that takes a plainly valid payload without zod (schemas/mqtt-fast.ts: a reprice brings
 * one content per label); whatever it declines, zod judges.
 */
export function decodeJson<S extends z.ZodType>(
  payload: Buffer | string,
  schema: S,
  plain?: (json: unknown) => z.infer<S> | undefined,
): Decoded<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString());
  } catch (error) {
    const reason = error instanceof Error ? error.message : "not JSON";
    return { ok: false, problems: [{ field: "(payload)", reason: `not valid JSON: ${reason}` }] };
  }
  const checked = plain?.(raw);
  if (checked !== undefined) return { ok: true, value: checked };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: issueProblems(parsed.error, "(payload)") };
}
