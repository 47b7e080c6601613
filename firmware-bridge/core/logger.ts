import { createLogger, type LogFields } from "../../lib/log.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type { LogFields };

/** What the bridge runtime and adapters log through; pass your own to capture or route lines. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * The bridges log like the controller (lib/log.ts): one event a line on stderr, JSON unless stderr is
 * a terminal, secrets redacted (`secrets`: the MQTT password and any other configured credential).
 * `write` takes each line instead of stderr (JSON, no trailing newline).
 */
export function createConsoleLogger(
  options: {
    level?: LogLevel;
    prefix?: string;
    write?: (line: string) => void;
    secrets?: readonly (string | undefined)[];
  } = {},
): Logger {
  const { write } = options;
  return createLogger({
    level: options.level ?? "info",
    component: options.prefix ?? "bridge",
    ...(write
      ? { destination: { write: (line: string) => write(line.replace(/\n$/, "")) }, format: "json" }
      : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
