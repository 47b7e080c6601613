import {
  createLogger as createProcessLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from "../lib/log.ts";

/**
 * The controller's logger: the shared pino logger of lib/log.ts (JSON lines, readable in a terminal,
 * secrets redacted), named by component: `shelfsync`, `shelfsync/mqtt`, …
 */
export type { Logger, LogLevel };

export function createLogger(
  level: LogLevel = "info",
  component = "shelfsync",
  options: Omit<LoggerOptions, "level" | "component"> = {},
): Logger {
  return createProcessLogger({ ...options, level, component });
}
