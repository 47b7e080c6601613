import type { Env, Hono, MiddlewareHandler } from "hono";
import { describeRoute, generateSpecs, resolver, uniqueSymbol } from "hono-openapi";
import type { z } from "zod";
import { errorReplySchema, issueProblems } from "../../schemas/index.ts";
import { type Access, accessOf } from "./access.ts";
import { apiError } from "./errors.ts";

/**
 * The OpenAPI 3.1 document is generated (hono-openapi) from what the routes declare: `doc(...)` says
 * what a route is for and what it answers, `jsonBody(schema)` and `query(schema)` validate with the
 * zod schema they document, and the roles come from the route table. Nothing is written twice.
 */

type Json<S extends z.ZodType> = { in: { json: z.input<S> }; out: { json: z.output<S> } };
type Query<S extends z.ZodType> = { in: { query: Record<string, string> }; out: { query: z.output<S> } };

/** Marks a validating middleware for the generator: where the value comes from and its schema. */
function documented<M extends MiddlewareHandler>(
  mw: M,
  target: "json" | "query",
  schema: z.ZodType,
  io: "input" | "output" = "input",
): M {
  return Object.assign(mw, { [uniqueSymbol]: { target, ...resolver(schema as never, { io }) } });
}

/**
 * A JSON body validated with `schema` (the handler reads it with `c.req.valid("json")`). An empty
 * body is `{}`, whatever the Content-Type (curl users forget it); bad JSON → 400 `invalid_json`, a bad
 * field → 400 `invalid_body` naming each field.
 */
export function jsonBody<S extends z.ZodType>(schema: S): MiddlewareHandler<Env, string, Json<S>> {
  const mw: MiddlewareHandler = async (c, next) => {
    const text = await c.req.text();
    let json: unknown;
    try {
      json = text.trim() === "" ? {} : JSON.parse(text);
    } catch (e) {
      return apiError(c, 400, "invalid_json", `body is not valid JSON: ${(e as Error).message}`);
    }
    const r = schema.safeParse(json);
    if (!r.success) {
      const details = issueProblems(r.error, "(body)");
      return apiError(c, 400, "invalid_body", `${details[0]?.field}: ${details[0]?.reason}`, details);
    }
    c.req.addValidatedData("json", r.data as object);
    await next();
  };
  return documented(mw, "json", schema) as MiddlewareHandler<Env, string, Json<S>>;
}

/** The query string validated with `schema` (`c.req.valid("query")`); a bad one → 400 `invalid_query`. */
export function query<S extends z.ZodType>(schema: S): MiddlewareHandler<Env, string, Query<S>> {
  const mw: MiddlewareHandler = async (c, next) => {
    const r = schema.safeParse(c.req.query());
    if (!r.success) {
      const details = issueProblems(r.error, "(query)");
      return apiError(c, 400, "invalid_query", `${details[0]?.field}: ${details[0]?.reason}`, details);
    }
    c.req.addValidatedData("query", r.data as object);
    await next();
  };
  return documented(mw, "query", schema) as MiddlewareHandler<Env, string, Query<S>>;
}

const ERROR_TEXT: Record<number, string> = {
  400: "Bad input; `details` names each field",
  404: "Not found",
  409: "Conflicts with the current state",
  413: "Body too large",
  415: "Unsupported Content-Type",
  422: "Rows or fields the store refuses; `details` names each (feeds: line, field, reason)",
  503: "The MQTT broker is not reachable",
};

const errorReply = (description: string) => ({
  description,
  content: { "application/json": { schema: resolver(errorReplySchema as never, { io: "output" }) } },
});

export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** The success reply: its status (200 unless given), JSON schema (output side) or another media type. */
  ok?: { status?: number; schema?: z.ZodType; description?: string; media?: string };
  /** Other successes, e.g. a 202 beside a 201. */
  also?: { status: number; schema?: z.ZodType; description: string }[];
  /** Error statuses the route itself answers (401, 403 and 429 are added from the route table). */
  errors?: number[];
  /** A body that is not one JSON object (feeds): per media type, a schema of what it carries. */
  body?: { description: string; content: Record<string, { schema: z.ZodType }> };
}

/** What a route is for and what it answers, for the OpenAPI document. */
export function doc(d: RouteDoc): MiddlewareHandler {
  const success = (status: number, description: string, schema?: z.ZodType, media = "application/json") => [
    String(status),
    {
      description,
      ...(schema ? { content: { [media]: { schema: resolver(schema as never, { io: "output" }) } } } : {}),
    },
  ];
  const responses = Object.fromEntries([
    success(d.ok?.status ?? 200, d.ok?.description ?? "OK", d.ok?.schema, d.ok?.media),
    ...(d.also ?? []).map((a) => success(a.status, a.description, a.schema)),
    ...(d.errors ?? []).map((s) => [String(s), errorReply(ERROR_TEXT[s] ?? "Error")]),
  ]);
  return describeRoute({
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    tags: d.tags,
    responses,
    ...(d.body
      ? {
          requestBody: {
            required: true,
            description: d.body.description,
            content: Object.fromEntries(
              Object.entries(d.body.content).map(([media, { schema }]) => [
                media,
                { schema: resolver(schema as never, { io: "input" }) },
              ]),
            ),
          },
        }
      : {}),
  });
}

type Operation = {
  description?: string;
  security?: unknown;
  responses?: Record<string, unknown>;
  "x-roles"?: unknown;
};

/**
 * The OpenAPI 3.1 document of `app`, each operation with its roles from the route table: `security`
 * (none for a public route), `x-roles`, a line in its description, and the 401/403/429 answers.
 */
export async function openApiDocument(
  app: Hono,
  info: { version: string },
): Promise<Record<string, unknown>> {
  const spec = (await generateSpecs(app, {
    documentation: {
      info: {
        title: "Shelfsync controller API",
        version: info.version,
        description:
          "A store's Shelfsync controller. Every route needs `Authorization: Bearer <token>` except `GET /api/v1/health`; each operation lists the roles that may call it (`x-roles`). Errors are `{ error: { code, message, details? } }`; instants are ISO 8601.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    defaultValidationErrorResponse: false,
    // `openapi.json` itself looks like a static file to the generator; it is a route like the others.
    excludeStaticFile: false,
  })) as { paths: Record<string, Record<string, Operation>>; components?: Record<string, unknown> };
  const unauthorized = await resolveError("No token, or an unknown or revoked one");
  const forbidden = await resolveError("The token's role may not call this route");
  const throttled = await resolveError("Too many failed sign-ins from this address; see Retry-After");
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const access: Access | undefined = accessOf(`${method.toUpperCase()} ${path}`);
      if (access === undefined) continue;
      const roles = access === "public" ? "anyone, without a token" : access.join(", ");
      op.description = [op.description, `Roles: ${roles}.`].filter(Boolean).join("\n\n");
      op["x-roles"] = access === "public" ? [] : access;
      op.security = access === "public" ? [{}, { bearer: [] }] : [{ bearer: [] }];
      op.responses = {
        ...op.responses,
        ...(access === "public" ? {} : { 401: unauthorized, 403: forbidden }),
        429: throttled,
      };
    }
  }
  return spec;
}

/** An error response object with its schema resolved (post-processing happens after generation). */
async function resolveError(description: string) {
  const { schema } = await resolver(errorReplySchema as never, { io: "output" }).toOpenAPISchema();
  return { description, content: { "application/json": { schema } } };
}
