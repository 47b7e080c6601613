import type { Context } from "hono";
import { streamSSE } from "hono/streaming";

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * A server-sent event stream of the newest value only: each value a subscription delivers replaces
 * any the reader has not taken yet, so a slow reader gets the latest state, never a backlog. Live
 * views (the console's sync counters, a player's show) want exactly that.
 */
export function streamLatest<T>(
  c: Context,
  event: string,
  subscribe: (push: (value: T) => void) => (() => void) | Promise<() => void>,
): Response {
  c.header("Cache-Control", "no-store");
  // Nginx and similar proxies buffer responses unless told not to; a live view must not wait.
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    const queue: T[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = await subscribe((value) => {
      queue.length = 0;
      queue.push(value);
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      wake?.();
    });
    await stream.write("retry: 2000\n\n");
    while (!stream.aborted && !stream.closed) {
      const value = queue.shift();
      if (value !== undefined) {
        await stream.writeSSE({ event, data: JSON.stringify(value) });
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, KEEPALIVE_MS);
        wake = done;
      });
      if (queue.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
    }
    unsubscribe();
  });
}
