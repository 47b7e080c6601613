import { useState } from "preact/hooks";
import type { ChangeNote } from "../../../../schemas/index.ts";
import { type ApiError, api, get } from "../api.ts";
import { when } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { describe, instant, type Phase, type PromotionView, phase } from "../promotion-text.ts";
import { asApiError, ErrorBox, Notes, PageTitle, Show, Table, useLoad, useSession } from "../ui.tsx";

const iso = (v: number | string | null) => {
  const ms = instant(v);
  return ms === null ? null : new Date(ms).toISOString();
};

/** Promotions that still matter (running, coming, just ended), filtered by phase; "end now" for staff. */
export function Promotions() {
  const session = useSession();
  const list = useLoad((signal) => get<PromotionView[]>("/promotions", signal), []);
  const [show, setShow] = useState<Phase | "all">("all");
  const [ended, setEnded] = useState<{ id: string; notes?: ChangeNote[] } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const canEnd = session.can("DELETE /api/v1/promotions/{promotionId}");

  const endNow = async (p: PromotionView) => {
    if (!confirm(fill(msg.promotions.confirmEnd, { what: describe(p) }))) return;
    setError(null);
    try {
      const r = await api<{ notes?: ChangeNote[] }>(
        "DELETE",
        `/promotions/${encodeURIComponent(p.promotionId)}`,
        {
          reason: msg.promotions.endedFromConsole,
        },
      );
      setEnded({ id: p.promotionId, ...(r.notes ? { notes: r.notes } : {}) });
      list.reload();
    } catch (e) {
      setError(asApiError(e));
    }
  };

  return (
    <section>
      <PageTitle>{msg.promotions.title}</PageTitle>
      {session.can("POST /api/v1/promotions") && (
        <p class="actions">
          <a class="button primary" href="/promotions/new">
            {msg.promotions.create}
          </a>
        </p>
      )}
      <fieldset class="filters">
        <legend class="sr-only">{msg.promotions.filter}</legend>
        {(["all", "active", "upcoming", "ended"] as const).map((f) => (
          <button key={f} type="button" aria-pressed={show === f} onClick={() => setShow(f)}>
            {f === "all" ? msg.common.all : msg.promotions.phase[f]}
          </button>
        ))}
      </fieldset>
      {error && <ErrorBox error={error} />}
      {ended && (
        <div role="status" class="done">
          <p>{fill(msg.promotions.ended, { id: ended.id })}</p>
          <Notes notes={ended.notes} />
        </div>
      )}
      <Show loaded={list}>
        {(all) => {
          const rows = all.filter((p) => !p.deleted && (show === "all" || phase(p) === show));
          return (
            <Table
              rows={rows}
              empty={msg.promotions.none}
              columns={[
                msg.promotions.promotion,
                msg.promotions.products,
                msg.promotions.window,
                msg.promotions.source,
              ]}
              actions
              row={(p) => {
                const ph = phase(p);
                return (
                  <tr key={p.promotionId}>
                    <td>
                      <a href={`/promotions/${encodeURIComponent(p.promotionId)}`}>{describe(p)}</a>{" "}
                      <span class={`badge p-${ph}`}>{msg.promotions.phase[ph]}</span>
                    </td>
                    <td>
                      {p.skus.length > 0
                        ? p.skus.slice(0, 3).map((s) => (
                            <a key={s} href={`/products/${encodeURIComponent(s)}`} class="sku">
                              {s}
                            </a>
                          ))
                        : p.category}
                      {p.skus.length > 3 && ` +${p.skus.length - 3}`}
                    </td>
                    <td>
                      {when(iso(p.start))} – {p.end === null ? msg.promotions.openEnded : when(iso(p.end))}
                    </td>
                    <td>{msg.promotions.sources[p.source]}</td>
                    <td>
                      {canEnd && ph !== "ended" && (p.source !== "central" || session.me.role === "ops") && (
                        <button type="button" class="danger" onClick={() => endNow(p)}>
                          {ph === "upcoming" ? msg.promotions.cancel : msg.promotions.endNow}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              }}
            />
          );
        }}
      </Show>
    </section>
  );
}
