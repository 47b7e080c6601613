import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { LabelFilter, LabelReply, SyncReply } from "../../../../schemas/index.ts";
import { type ApiError, get, getWithHeaders } from "../api.ts";
import { ago, count } from "../format.ts";
import { msg } from "../i18n/index.ts";
import { asApiError, ErrorBox, Loading, PageTitle, Table, useLoad } from "../ui.tsx";
import { COUNTERS } from "./dashboard.tsx";

const PAGE = 50;

/** One page of `GET /labels?…`, and the `after` of the next one (the Next-After header). */
async function labelPage(
  query: string,
  signal?: AbortSignal,
): Promise<{ items: LabelReply[]; next: string | null }> {
  const r = await getWithHeaders<LabelReply[]>(`/labels?${query}`, signal);
  return { items: r.body, next: r.headers.get("Next-After") };
}

/**
 * Every label, filtered by the dashboard's counters (each counter is a filter button showing its
 * count) or by a piece of its id or SKU; 50 at a time.
 */
export function Labels() {
  const { url, route } = useLocation();
  const params = new URL(url, location.origin).searchParams;
  const filter = (params.get("filter") ?? "") as LabelFilter | "";
  const q = params.get("q") ?? "";
  const [text, setText] = useState(q);
  const counts = useLoad((signal) => get<SyncReply>("/sync", signal), []);
  const query = (after?: string) => {
    const p = new URLSearchParams({ limit: String(PAGE) });
    if (filter) p.set("filter", filter);
    if (q) p.set("q", q);
    if (after) p.set("after", after);
    return p.toString();
  };
  const first = useLoad((signal) => labelPage(query(), signal), [filter, q]);
  const [extra, setExtra] = useState<LabelReply[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  useEffect(() => {
    setExtra([]);
    setNext(first.state === "ok" ? first.value.next : null);
  }, [first.state, first.value]);

  const go = (f: LabelFilter | "", text: string) => {
    const p = new URLSearchParams();
    if (f) p.set("filter", f);
    if (text) p.set("q", text);
    route(`/labels${p.size ? `?${p}` : ""}`);
  };
  const items = first.state === "ok" ? [...first.value.items, ...extra] : [];

  return (
    <section>
      <PageTitle>{msg.labels.title}</PageTitle>
      <fieldset class="filters counters-filter">
        <legend class="sr-only">{msg.labels.filter}</legend>
        <button type="button" aria-pressed={filter === ""} onClick={() => go("", q)}>
          {msg.common.all}
          {counts.state === "ok" && <span class="count">{count(counts.value.total)}</span>}
        </button>
        {COUNTERS.map(([key, f]) => (
          <button key={f} type="button" aria-pressed={filter === f} data-filter={f} onClick={() => go(f, q)}>
            {msg.status[f]}
            {counts.state === "ok" && <span class="count">{count(counts.value[key])}</span>}
          </button>
        ))}
      </fieldset>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(filter, text.trim());
        }}
      >
        <label for="label-q">{msg.labels.search}</label>
        <div class="row">
          <input
            id="label-q"
            type="search"
            autoComplete="off"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit">{msg.products.find}</button>
        </div>
      </form>
      {first.state === "loading" && <Loading />}
      {first.state === "error" && <ErrorBox error={first.error} onRetry={first.reload} />}
      {first.state === "ok" && (
        <Table
          rows={items}
          empty={msg.labels.none}
          columns={[
            msg.labels.label,
            msg.labels.sku,
            msg.labels.status,
            msg.labels.battery,
            msg.labels.signal,
            msg.labels.lastSeen,
          ]}
          table={{ class: "labels" }}
          row={(l) => (
            <tr key={l.labelId}>
              <td>
                <a href={`/labels/${encodeURIComponent(l.labelId)}`}>{l.labelId}</a>
              </td>
              <td>{l.sku ? <a href={`/products/${encodeURIComponent(l.sku)}`}>{l.sku}</a> : "—"}</td>
              <td>
                <span class={`badge s-${l.status}`}>{msg.status[l.status]}</span>
              </td>
              <td>{l.battery === null ? "—" : `${l.battery} %`}</td>
              <td>{l.rssi === null ? "—" : `${l.rssi} dBm`}</td>
              <td>{ago(l.lastSeen)}</td>
            </tr>
          )}
        >
          {moreError && <ErrorBox error={moreError} />}
          {next && (
            <button
              type="button"
              onClick={async () => {
                try {
                  const page = await labelPage(query(next));
                  setExtra((x) => [...x, ...page.items]);
                  setNext(page.next);
                } catch (e) {
                  setMoreError(asApiError(e));
                }
              }}
            >
              {msg.labels.more}
            </button>
          )}
        </Table>
      )}
    </section>
  );
}
