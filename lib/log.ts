import pino from "pino";

/**
 * The one logger of every Shelfsync process (controller, commands, bridges): pino underneath, one
 * event a line on stderr (stdout stays free for what a command prints). JSON lines for machines
 * (journald, Docker, a log shipper) unless stderr is a terminal, where the same events are written
 * as readable lines. Secrets never reach a line: see `redact`.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;
export type LogFormat = "json" | "pretty";

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The same logger with `/name` added to its component, e.g. `shelfsync/mqtt`. */
  child(name: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Who is logging: `shelfsync`, `bridge sim-ap`, … (every line carries it). */
  component?: string;
  /** Default: SHELFSYNC_LOG_FORMAT, else pretty when the destination is a terminal, else json. */
  format?: LogFormat;
  /** Where lines go (default stderr); anything with write(line). */
  destination?: { write(line: string): unknown; isTTY?: boolean };
  /** Values that must never be written, wherever they turn up (configured tokens, passwords). */
  secrets?: readonly (string | undefined)[];
  /** Fields on every line (e.g. the store id, so a central log store can tell stores apart). */
  bindings?: LogFields;
}

export const REDACTED = "[redacted]";

/** Keys whose values are secrets, whatever they hold: `token`, `adminToken`, `mqttPassword`, `Authorization`, … */
const SECRET_KEY = /(token|password|passwd|secret|authorization|cookie|api[-_]?key)$/i;
/** Secrets recognisable in free text: bearer credentials, URL user info, `ss_…` API tokens, `?token=` query parameters. */
const SECRET_TEXT: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*):[^\s@/"']*@/gi, `$1:${REDACTED}@`],
  [/\bss_[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/([?&][\w-]*(?:token|password|secret|key)=)[^&\s"']+/gi, `$1${REDACTED}`],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A copy of a log line's message or fields with secrets replaced by `[redacted]`: values under
 * secret-sounding keys, credentials in text (bearer tokens, `user:password@` in URLs, `ss_…` tokens)
 * and every configured secret value, at any depth. Errors become `{ type, message, stack }`.
 */
export function redact(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === "string") {
    let text = value;
    for (const [pattern, replacement] of SECRET_TEXT) text = text.replace(pattern, replacement);
    for (const secret of secrets) {
      if (text.includes(secret)) text = text.replace(new RegExp(escapeRegExp(secret), "g"), REDACTED);
    }
    return text;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth > 6) return "[nested too deep]";
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redact(value.message, secrets, depth + 1),
      ...(value.stack ? { stack: redact(value.stack, secrets, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: LogFields = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[key] = SECRET_KEY.test(key) && v !== null && v !== "" ? REDACTED : redact(v, secrets, depth + 1);
  }
  return out;
}

/** `2026-03-01T10:00:00.000Z INFO  [shelfsync/mqtt] connected url=mqtt://…`: for a person at a terminal. */
function prettyLine(json: string): string {
  const { time, level, component, msg, ...fields } = JSON.parse(json) as LogFields;
  const stacks: string[] = [];
  const extra = Object.entries(fields)
    .map(([k, v]) => {
      // An error's stack reads best on its own lines, after the event.
      if (v && typeof v === "object" && typeof (v as { stack?: unknown }).stack === "string") {
        const { stack, ...rest } = v as { stack: string };
        stacks.push(stack);
        v = rest;
      }
      const text = typeof v === "string" && /^[\w.:/@+\-[\]]+$/.test(v) ? v : JSON.stringify(v);
      return ` ${k}=${text}`;
    })
    .join("");
  const tail = stacks.map((s) => `\n    ${s.replace(/\n/g, "\n    ")}`).join("");
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} [${String(component)}] ${String(msg)}${extra}${tail}\n`;
}

function resolveFormat(options: LoggerOptions, destination: { isTTY?: boolean }): LogFormat {
  if (options.format) return options.format;
  const fromEnv = process.env.SHELFSYNC_LOG_FORMAT;
  if (fromEnv === "json" || fromEnv === "pretty") return fromEnv;
  return destination.isTTY ? "pretty" : "json";
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const target = options.destination ?? process.stderr;
  const format = resolveFormat(options, target);
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === "string" && s.length >= 6);
  const stream = format === "pretty" ? { write: (line: string) => target.write(prettyLine(line)) } : target;
  const root = pino(
    {
      level: options.level ?? "info",
      base: options.bindings ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are already plain { type, message, stack } (redact): keep pino's serializer off them.
      serializers: { err: (e: unknown) => e },
      // Our own redaction runs on every message and field before pino sees them.
    },
    // A plain object stream: written synchronously, so no line is lost when a command exits.
    stream as pino.DestinationStream,
  );

  // Every logger is a child of the root with its own component: a child of a child would repeat the key.
  const wrap = (component: string): Logger => {
    const log = root.child({ component });
    const at =
      (level: "debug" | "info" | "warn" | "error") =>
      (message: string, fields?: LogFields): void => {
        if (!log.isLevelEnabled(level)) return;
        const text = redact(message, secrets) as string;
        if (fields && Object.keys(fields).length > 0) log[level](redact(fields, secrets) as object, text);
        else log[level](text);
      };
    return {
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
      child: (name) => wrap(`${component}/${name}`),
    };
  };
  return wrap(options.component ?? "shelfsync");
}
