import { z } from "zod";
import { ID_PATTERN } from "./topics.ts";

/**
 * Who may call what (DESIGN.md §3b). People: `viewer` reads; `staff` also sets local promotions and
 * overrides and links, unlinks and flashes labels; `manager` also decides approvals; `ops` also posts
 * central feeds and manages tokens. Devices: `bridge` (firmware bridges on MQTT) and `screen`
 * (signage players).
 */
export const ROLES = ["viewer", "staff", "manager", "ops", "bridge", "screen"] as const;
export const roleSchema = z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` });
export type Role = z.infer<typeof roleSchema>;

/** Roles that belong to a person at the console; the others are devices. */
export const PERSON_ROLES = ["viewer", "staff", "manager", "ops"] as const satisfies readonly Role[];

/** A token's name: the person or device it belongs to, as the audit log and approvals record it. */
export const tokenNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters");

/** `POST /api/v1/tokens`. */
/**
 * A bridge's token name is its bridge id and its MQTT username (DESIGN.md §3b): it must be a topic
 * level (schemas/topics.ts ID_PATTERN), or the bridge could publish nothing of its own.
 */
export const BRIDGE_NAME_MESSAGE =
  "a bridge token's name is the bridge's id: letters, digits, . _ - (at most 64, starting with a letter or digit)";
export const tokenCreateBodySchema = z
  .object({ name: tokenNameSchema, role: roleSchema })
  .refine((b) => b.role !== "bridge" || ID_PATTERN.test(b.name), {
    path: ["name"],
    message: BRIDGE_NAME_MESSAGE,
  });
export type TokenCreateBody = z.infer<typeof tokenCreateBodySchema>;

/** A token as listed: never the token itself (only its hash is stored). */
export const tokenReplySchema = z.object({
  name: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  /** To the minute: when the token last opened a request; null = never. */
  lastUsedAt: z.string().nullable(),
});
export type TokenReply = z.infer<typeof tokenReplySchema>;

/** The reply to a created token: the only time the token is shown. */
export const tokenCreatedReplySchema = tokenReplySchema.extend({ token: z.string() });
export type TokenCreatedReply = z.infer<typeof tokenCreatedReplySchema>;

/** `GET /api/v1/me`: who the token belongs to, and the routes that role may call (for a console's menus). */
export const meReplySchema = z.object({
  name: z.string(),
  role: roleSchema,
  /** `METHOD /path` with `{param}` placeholders, as in the route table and the OpenAPI document. */
  routes: z.array(z.string()),
});
export type MeReply = z.infer<typeof meReplySchema>;
