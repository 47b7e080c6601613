import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { type ErrorReply, issueProblems } from "../../schemas/index.ts";

/** Every API error has one shape: `{ error: { code, message, details? } }`. */
export function apiError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: unknown,
): Response {
  const body: ErrorReply = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return c.json(body, status);
}

/** Parse and validate a JSON body; on failure the reply names each bad field. */
export async function readBody<T>(
  c: Context,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  let json: unknown;
  const text = await c.req.text();
  try {
    json = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      response: apiError(c, 400, "invalid_json", `body is not valid JSON: ${(e as Error).message}`),
    };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const details = issueProblems(r.error, "(body)");
    const first = details[0];
    return {
      ok: false,
      response: apiError(c, 400, "invalid_body", `${first?.field}: ${first?.reason}`, details),
    };
  }
  return { ok: true, value: r.data };
}
