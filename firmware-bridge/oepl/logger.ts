/**
 * The logging shape the OEPL modules use. It matches `Logger` in firmware-bridge/core/logger.ts
 * structurally, so the runtime's logger can be passed in as is; declared here to keep this folder
 * usable (and testable) on its own.
 */
export interface OeplLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentOeplLogger: OeplLogger = { debug() {}, info() {}, warn() {}, error() {} };
