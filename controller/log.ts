/** A small leveled logger writing one line per event to stderr (stdout stays free for CLI output). */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export function createLogger(level: LogLevel = "info", component = "shelfsync"): Logger {
  const min = ORDER[level];
  const write = (l: Exclude<LogLevel, "silent">, msg: string, data?: Record<string, unknown>) => {
    if (ORDER[l] < min) return;
    const extra = data && Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : "";
    process.stderr.write(
      `${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} [${component}] ${msg}${extra}\n`,
    );
  };
  return {
    debug: (m, d) => write("debug", m, d),
    info: (m, d) => write("info", m, d),
    warn: (m, d) => write("warn", m, d),
    error: (m, d) => write("error", m, d),
    child: (c) => createLogger(level, `${component}/${c}`),
  };
}
