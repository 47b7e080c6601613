import type { ComponentChildren, JSX } from "preact";
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { ChangeNote, MeReply } from "../../../schemas/index.ts";
import { ApiError, blobUrl } from "./api.ts";
import { fill, msg } from "./i18n/index.ts";

/** Who is signed in, and what their role may call (route keys from GET /me, e.g. "POST /api/v1/promotions"). */
export interface Session {
  me: MeReply;
  can(route: string): boolean;
  signOut(): void;
}
export const SessionContext = createContext<Session | null>(null);
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside the signed-in app");
  return s;
}

export type Loaded<T> =
  | { state: "loading"; value?: T }
  | { state: "ok"; value: T }
  | { state: "error"; error: ApiError; value?: T };

/**
 * Load something for a page: loading → ok | error, cancelled when the page goes away or `deps`
 * change; `reload` fetches again keeping the old value on screen meanwhile.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): Loaded<T> & { reload(): void } {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setResult((r) => ({ state: "loading", ...(r.value !== undefined ? { value: r.value } : {}) }));
    load(abort.signal).then(
      (value) => abort.signal.aborted || setResult({ state: "ok", value }),
      (e: unknown) => abort.signal.aborted || setResult({ state: "error", error: asApiError(e) }),
    );
    return () => abort.abort();
  }, [...deps, generation]);
  return { ...result, reload: () => setGeneration((g) => g + 1) };
}

export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(0, "network", e instanceof Error ? e.message : String(e));
}

export function Loading({ label }: { label?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label ?? msg.common.loading}
    </p>
  );
}

/** An API failure in words, with the field problems the API listed. */
export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const details = Array.isArray(error.details) ? (error.details as Record<string, unknown>[]) : [];
  const text =
    error.status === 403
      ? msg.errors.forbidden
      : error.status === 0
        ? msg.errors.network
        : error.status === 404
          ? msg.errors.notFound
          : msg.errors.failed;
  return (
    <div class="error" role="alert">
      <strong>{text}</strong> <span class="muted">{error.message}</span>
      {details.length > 0 && (
        <ul>
          {details.slice(0, 20).map((d, i) => (
            <li key={i}>
              {d.line !== undefined && <>{fill(msg.errors.line, { line: String(d.line) })} · </>}
              {d.field !== undefined && <code>{String(d.field)}</code>} {String(d.reason ?? d.message ?? "")}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          {msg.common.retry}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/**
 * A list as a table, or the page's "nothing here" words when it is empty: the scrolling wrapper, the
 * column headers and the empty state written once for every list page. `actions` adds a last column
 * whose header only a screen reader reads (the row's buttons need no visible title).
 */
export function Table<T>({
  rows,
  empty,
  columns,
  actions,
  row,
  table,
  children,
}: {
  rows: readonly T[];
  empty: ComponentChildren;
  columns: readonly string[];
  actions?: boolean;
  row: (item: T) => JSX.Element;
  /** The table's own attributes (a class for its layout, a test id). */
  table?: JSX.HTMLAttributes<HTMLTableElement>;
  /** Under the table, inside its scrolling wrapper: "more" buttons, counts of what is not listed. */
  children?: ComponentChildren;
}) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div class="table-wrap">
      <table {...table}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span class="sr-only">{msg.common.actions}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{rows.map(row)}</tbody>
      </table>
      {children}
    </div>
  );
}

/**
 * A button for a change that cannot be taken back (revoke, remove, end now): it asks first, then
 * runs `action`; a refusal from the API goes to the page's error box rather than being lost.
 */
export function ConfirmButton({
  question,
  action,
  onError,
  children,
}: {
  question: string;
  action: () => Promise<unknown>;
  onError: (e: ApiError) => void;
  children: ComponentChildren;
}) {
  return (
    <button
      type="button"
      class="danger"
      onClick={async () => {
        if (!confirm(question)) return;
        try {
          await action();
        } catch (x) {
          onError(asApiError(x));
        }
      }}
    >
      {children}
    </button>
  );
}

/** Loading / error / value, in one place for every page. */
export function Show<T>({
  loaded,
  children,
}: {
  loaded: Loaded<T> & { reload(): void };
  children: (value: T) => ComponentChildren;
}) {
  if (loaded.value !== undefined && loaded.state !== "error") return <>{children(loaded.value)}</>;
  if (loaded.state === "error") return <ErrorBox error={loaded.error} onRetry={loaded.reload} />;
  return <Loading />;
}

/** What the controller told the author of a change (a suppressed claim, a held approval…). */
export function Notes({ notes }: { notes: ChangeNote[] | undefined }) {
  if (!notes || notes.length === 0) return null;
  return (
    <ul class="notes" aria-label={msg.common.notes}>
      {notes.map((n) => (
        <li key={n.code + n.message} class={`note note-${n.code}`}>
          <strong>{msg.notes[n.code as keyof typeof msg.notes] ?? n.code}</strong> {n.message}
        </li>
      ))}
    </ul>
  );
}

/** The page's heading; focused on navigation so screen readers and keyboards start at the top. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

/**
 * A label preview PNG fetched with the token (an <img src> cannot send it) and shown from a blob
 * URL. `zoom` lets the user enlarge it (pixels stay sharp: e-paper is 1-bit).
 */
export function Preview({
  path,
  alt,
  zoomable = false,
  version,
}: {
  path: string;
  alt: string;
  zoomable?: boolean;
  /** Anything that changes when the picture may have (the content hash): fetch again. */
  version?: string | null;
}) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [zoom, setZoom] = useState(1);
  useEffect(() => {
    const abort = new AbortController();
    let made: string | null = null;
    setError(null);
    blobUrl(path, abort.signal).then(
      (u) => {
        made = u;
        if (abort.signal.aborted) URL.revokeObjectURL(u);
        else setUrl(u);
      },
      (e: unknown) => abort.signal.aborted || setError(asApiError(e)),
    );
    return () => {
      abort.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [path, version]);
  if (error)
    return (
      <p class="preview-missing">{error.code === "no_content" ? msg.labels.noContent : error.message}</p>
    );
  if (!url)
    return (
      <div class="preview preview-loading" aria-busy="true">
        <span class="sr-only">{msg.common.loading}</span>
      </div>
    );
  return (
    <figure class="preview">
      <div class="preview-frame" style={{ "--zoom": String(zoom) } as JSX.CSSProperties}>
        <img src={url} alt={alt} data-version={version ?? ""} />
      </div>
      {zoomable && (
        <fieldset class="zoom">
          <legend class="sr-only">{msg.labels.zoom}</legend>
          {[1, 2, 3].map((z) => (
            <button key={z} type="button" aria-pressed={zoom === z} onClick={() => setZoom(z)}>
              {z}×
            </button>
          ))}
        </fieldset>
      )}
    </figure>
  );
}

/** A labelled form field: the label is always visible (placeholders are not labels). */
export function Field({
  label,
  hint,
  error,
  children,
  id,
}: {
  label: string;
  hint?: string;
  error?: string | undefined;
  id: string;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${error ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** The field a rejected request named (`details: [{ field, reason }]`), for that field's message. */
export function fieldError(error: ApiError | null, field: string): string | undefined {
  if (!error || !Array.isArray(error.details)) return undefined;
  const d = (error.details as { field?: string; reason?: string }[]).find((x) => x.field === field);
  return d?.reason;
}
