import { useState } from "preact/hooks";
import type { ChangeNote, PriceHistoryReply, PriceReply, ProductReply } from "../../../../schemas/index.ts";
import { type ApiError, api, get } from "../api.ts";
import { PriceChart } from "../chart.tsx";
import { when } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { LabelTile } from "../label-tile.tsx";
import { describe, instant, type PromotionView, phase } from "../promotion-text.ts";
import {
  asApiError,
  Empty,
  ErrorBox,
  Field,
  fieldError,
  Notes,
  PageTitle,
  Show,
  useLoad,
  useSession,
} from "../ui.tsx";

/**
 * One product: the price in force with its unit price and the art. 6a prior price, stock, the price
 * over time, its promotions (running and coming) and the labels that show it, with their previews.
 */
export function Product({ sku }: { sku: string }) {
  const session = useSession();
  const enc = encodeURIComponent(sku);
  const product = useLoad((signal) => get<ProductReply>(`/products/${enc}`, signal), [sku]);
  const price = useLoad(
    (signal) =>
      get<PriceReply>(`/products/${enc}/price`, signal).catch((e: ApiError) => {
        if (e.code === "no_price") return null;
        throw e;
      }),
    [sku],
  );
  const history = useLoad((signal) => get<PriceHistoryReply>(`/products/${enc}/history`, signal), [sku]);
  const promotions = useLoad((signal) => get<PromotionView[]>("/promotions", signal), [sku]);
  const reloadAll = () => {
    product.reload();
    price.reload();
    history.reload();
    promotions.reload();
  };

  return (
    <section>
      <Show loaded={product}>
        {(p) => (
          <>
            <PageTitle>{p.name}</PageTitle>
            <p class="muted">
              {p.sku}
              {p.gtin ? ` · GTIN ${p.gtin}` : ""}
              {p.brand ? ` · ${p.brand}` : ""}
              {p.netQuantity ? ` · ${p.netQuantity} ${p.unit ?? ""}` : ""}
            </p>
            <div class="cards">
              <div class="card price-card">
                <h2>{msg.product.priceNow}</h2>
                <Show loaded={price}>
                  {(r) =>
                    r === null ? (
                      <Empty>{msg.product.noPrice}</Empty>
                    ) : (
                      <dl>
                        <dt>{msg.product.shelfPrice}</dt>
                        <dd class="big" data-testid="price">
                          {r.price.text}
                        </dd>
                        {r.regularPrice.amountMinor !== r.price.amountMinor && (
                          <>
                            <dt>{msg.product.regularPrice}</dt>
                            <dd>{r.regularPrice.text}</dd>
                          </>
                        )}
                        {r.unitPrice && (
                          <>
                            <dt>{msg.product.unitPrice}</dt>
                            <dd>
                              {r.unitPrice.text} / {r.unitPrice.per}
                            </dd>
                          </>
                        )}
                        <dt>{msg.product.priorPrice}</dt>
                        <dd>{r.referencePrice?.text ?? msg.product.noPriorPrice}</dd>
                        {r.promo && (
                          <>
                            <dt>{msg.product.promotion}</dt>
                            <dd>{r.promo.text}</dd>
                          </>
                        )}
                        {r.notAReduction && (
                          <>
                            <dt>{msg.notes.not_a_reduction}</dt>
                            <dd class="warn">
                              {fill(msg.product.notAReduction, {
                                price: r.notAReduction.promotionalPrice.text,
                                prior: r.notAReduction.priorPrice?.text ?? "—",
                              })}
                            </dd>
                          </>
                        )}
                        {r.validUntil && (
                          <>
                            <dt>{msg.product.until}</dt>
                            <dd>{when(r.validUntil)}</dd>
                          </>
                        )}
                      </dl>
                    )
                  }
                </Show>
              </div>
              <div class="card">
                <h2>{msg.product.stock}</h2>
                {p.stock ? (
                  <p>
                    <span class={`badge stock-${p.stock.state}`}>{msg.stock[p.stock.state]}</span>{" "}
                    {fill(msg.product.onHand, { n: p.stock.onHand })}
                  </p>
                ) : (
                  <Empty>{msg.product.noStock}</Empty>
                )}
              </div>
            </div>

            <h2>{msg.product.history}</h2>
            <Show loaded={history}>{(h) => <PriceChart history={h} />}</Show>

            <h2>{msg.product.promotions}</h2>
            <Show loaded={promotions}>
              {(list) => {
                const mine = list.filter((x) => !x.deleted && x.skus.includes(p.sku) && phase(x) !== "ended");
                return mine.length === 0 ? (
                  <Empty>{msg.product.noPromotions}</Empty>
                ) : (
                  <ul class="list">
                    {mine.map((x) => (
                      <li key={x.promotionId}>
                        <a href={`/promotions/${encodeURIComponent(x.promotionId)}`}>{describe(x)}</a>{" "}
                        <span class={`badge p-${phase(x)}`}>{msg.promotions.phase[phase(x)]}</span>{" "}
                        <span class="muted">
                          {when(new Date(instant(x.start) ?? 0).toISOString())} –{" "}
                          {x.end === null
                            ? msg.promotions.openEnded
                            : when(new Date(instant(x.end) ?? 0).toISOString())}
                        </span>
                      </li>
                    ))}
                  </ul>
                );
              }}
            </Show>
            {session.can("POST /api/v1/promotions") && (
              <p class="actions">
                <a class="button" href={`/promotions/new?sku=${enc}`}>
                  {msg.promotions.create}
                </a>
              </p>
            )}
            {session.can("POST /api/v1/overrides") && <PriceOverride sku={p.sku} onDone={reloadAll} />}

            <h2>{fill(msg.product.labels, { n: p.labels.length })}</h2>
            {p.labels.length === 0 ? (
              <Empty>
                {msg.product.noLabels}{" "}
                {session.can("PUT /api/v1/labels/{labelId}/link") && <a href="/link">{msg.nav.link}</a>}
              </Empty>
            ) : (
              <ul class="label-grid">
                {p.labels.slice(0, 12).map((id) => (
                  <li key={id}>
                    <LabelTile labelId={id} />
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

/** A staff price for this product (an override); a big cut waits for a manager's approval. */
function PriceOverride({ sku, onDone }: { sku: string; onDone: () => void }) {
  const session = useSession();
  const [priceText, setPriceText] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<{ held: boolean; notes?: ChangeNote[]; holdReason?: string } | null>(
    null,
  );
  return (
    <details class="card">
      <summary>{msg.product.setPrice}</summary>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          setResult(null);
          try {
            const r = await api<{ held?: boolean; notes?: ChangeNote[]; holdReason?: string }>(
              "POST",
              "/overrides",
              { sku, price: priceText.trim().replace(",", "."), reason, author: session.me.name },
            );
            setResult({
              held: r.held === true,
              ...(r.notes ? { notes: r.notes } : {}),
              ...(r.holdReason ? { holdReason: r.holdReason } : {}),
            });
            onDone();
          } catch (x) {
            setError(asApiError(x));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field id="override-price" label={msg.product.newPrice} error={fieldError(error, "price")}>
          <input
            id="override-price"
            inputMode="decimal"
            required
            value={priceText}
            onInput={(e) => setPriceText(e.currentTarget.value)}
          />
        </Field>
        <Field id="override-reason" label={msg.common.reason} error={fieldError(error, "reason")}>
          <input
            id="override-reason"
            required
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? msg.common.saving : msg.product.setPriceSubmit}
        </button>
      </form>
      {error && <ErrorBox error={error} />}
      {result && (
        <div role="status" class={result.held ? "held" : "done"}>
          {result.held ? (
            <p>
              <strong>{msg.approvals.held}</strong> {result.holdReason}{" "}
              {session.can("POST /api/v1/approvals/{approvalId}/approve") && (
                <a href="/approvals">{msg.nav.approvals}</a>
              )}
            </p>
          ) : (
            <p>{msg.product.priceSet}</p>
          )}
          <Notes notes={result.notes} />
        </div>
      )}
    </details>
  );
}
