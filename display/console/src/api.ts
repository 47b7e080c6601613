/**
 * The console's one way to the controller: `/api/v1` with the signed-in token as a bearer token,
 * replies as JSON, failures as ApiError carrying the API's error shape ({ error: { code, message,
 * details? } }). Types come from schemas/ (type-only imports: no zod in the browser bundle).
 */

const TOKEN_KEY = "shelfsync.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The token lives in sessionStorage: gone when the tab closes, never in a URL or a cookie. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Called when the API answers 401: the token was revoked or is wrong; the app signs out. */
let onUnauthorized: () => void = () => {};
export const whenUnauthorized = (fn: () => void) => {
  onUnauthorized = fn;
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = session.token();
  return { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

async function failure(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  let details: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      details = body.error.details;
    }
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) onUnauthorized();
  return new ApiError(res.status, code, message, details);
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  init: { signal?: AbortSignal; token?: string } = {},
): Promise<T> {
  const h = headers(body === undefined ? {} : { "Content-Type": "application/json" });
  if (init.token) h.Authorization = `Bearer ${init.token}`;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: h,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) =>
  api<T>("GET", path, undefined, signal ? { signal } : {});

/** A GET whose reply headers matter too (paging: `Next-After`). */
export async function getWithHeaders<T>(
  path: string,
  signal?: AbortSignal,
): Promise<{ body: T; headers: Headers }> {
  const res = await fetch(`/api/v1${path}`, { headers: headers(), ...(signal ? { signal } : {}) });
  if (!res.ok) throw await failure(res);
  return { body: (await res.json()) as T, headers: res.headers };
}

/**
 * A PNG the API draws (label previews), as an object URL for an <img>: the preview routes need the
 * token, which an <img src> cannot send. The caller revokes the URL when done.
 */
export async function blobUrl(path: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(`/api/v1${path}`, { headers: headers(), ...(signal ? { signal } : {}) });
  if (!res.ok) throw await failure(res);
  return URL.createObjectURL(await res.blob());
}

/**
 * Upload a body with progress (fetch has no upload progress; XMLHttpRequest does). Resolves with the
 * parsed reply, rejects with ApiError.
 */
export function upload<T>(
  path: string,
  body: Blob,
  contentType: string,
  onProgress: (sent: number, total: number) => void,
): { done: Promise<T>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<T>((resolve, reject) => {
    xhr.open("POST", `/api/v1${path}`);
    for (const [k, v] of Object.entries(headers({ "Content-Type": contentType }))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onerror = () => reject(new ApiError(0, "network", "the controller did not answer"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "upload cancelled"));
    xhr.onload = () => {
      let parsed: { error?: { code: string; message: string; details?: unknown } } | undefined;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as T);
      else {
        if (xhr.status === 401) onUnauthorized();
        const e = parsed?.error;
        reject(
          new ApiError(xhr.status, e?.code ?? `http_${xhr.status}`, e?.message ?? xhr.statusText, e?.details),
        );
      }
    };
    xhr.send(body);
  });
  return { done, abort: () => xhr.abort() };
}

/**
 * Server-sent events from `GET /api/v1/events`, read with fetch so the token goes in the header
 * (EventSource cannot send one). Reconnects after a drop (the server's `retry`, else 2 s) until
 * the returned function is called.
 */
export function subscribe(
  onEvent: (event: string, data: string) => void,
  onState: (connected: boolean) => void,
): () => void {
  const stop = new AbortController();
  let retryMs = 2000;
  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        const res = await fetch("/api/v1/events", {
          headers: headers({ Accept: "text/event-stream" }),
          signal: stop.signal,
          cache: "no-store",
        });
        if (!res.ok || !res.body) throw await failure(res);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.search(/\r?\n\r?\n/);
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(buffer[end] === "\r" ? end + 4 : end + 2);
            let event = "message";
            const data: string[] = [];
            for (const line of block.split(/\r?\n/)) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
              else if (line.startsWith("retry:")) retryMs = Number(line.slice(6)) || retryMs;
            }
            if (data.length > 0) onEvent(event, data.join("\n"));
            end = buffer.search(/\r?\n\r?\n/);
          }
        }
      } catch (e) {
        if (stop.signal.aborted) return;
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
          onState(false);
          return;
        }
      }
      onState(false);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
  return () => stop.abort();
}
