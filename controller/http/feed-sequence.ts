import type { Context } from "hono";
import type { SequenceJumpRefused } from "../feeds/ingest.ts";
import { apiError } from "./errors.ts";

/** 409 for a sequence that jumps too far (feeds/ingest.ts), with the numbers a client needs. */
export const sequenceJumpReply = (c: Context, e: SequenceJumpRefused): Response =>
  apiError(c, 409, "sequence_jump", e.message, {
    feed: e.feed,
    sequence: e.sequence,
    lastSequence: e.last,
    maxJump: e.maxJump,
  });

/**
 * A feed batch's sequence: `?sequence=N` or the `Feed-Sequence` header (DESIGN.md §3a), or the
 * error reply naming what is wrong.
 */
export function feedSequence(c: Context): { ok: true; sequence: number } | { ok: false; response: Response } {
  const raw = c.req.query("sequence") ?? c.req.header("Feed-Sequence");
  if (raw === undefined) {
    return {
      ok: false,
      response: apiError(
        c,
        400,
        "sequence_required",
        "give the batch's sequence as ?sequence=N or a Feed-Sequence header",
      ),
    };
  }
  if (!/^\d{1,15}$/.test(raw.trim())) {
    return {
      ok: false,
      response: apiError(c, 400, "invalid_sequence", `sequence "${raw}" is not a non-negative whole number`),
    };
  }
  return { ok: true, sequence: Number(raw) };
}
