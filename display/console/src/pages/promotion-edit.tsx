import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { ChangeNote, ProductReply } from "../../../../schemas/index.ts";
import { type ApiError, api, get } from "../api.ts";
import { fromLocalInput, toLocalInput } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { LabelTile } from "../label-tile.tsx";
import { instant, type PromotionView } from "../promotion-text.ts";
import { asApiError, ErrorBox, Field, fieldError, Loading, Notes, PageTitle, useSession } from "../ui.tsx";

const KINDS = ["percent", "amount", "fixed", "multibuy", "member"] as const;
type Kind = (typeof KINDS)[number];

interface Saved {
  promotion: PromotionView;
  labelsAffected: number;
  /** The guard rail held it: it waits in the approvals queue, the shelf is unchanged. */
  held?: boolean;
  holdReason?: string;
  notes?: ChangeNote[];
}

/**
 * Create or change a store promotion. The reply's notes (a reduction charged without its claim, say)
 * are shown right under the form, and the labels of the promoted products below them, so staff see
 * each label's new picture and watch it reach the shelf.
 */
export function PromotionEdit({ promotionId }: { promotionId?: string }) {
  const session = useSession();
  const { url } = useLocation();
  const presetSku = new URL(url, location.origin).searchParams.get("sku") ?? "";
  const editing = promotionId !== undefined;
  const [loaded, setLoaded] = useState<PromotionView | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [kind, setKind] = useState<Kind>("percent");
  const [skus, setSkus] = useState(presetSku);
  const [value, setValue] = useState("");
  const [buyQuantity, setBuyQuantity] = useState("3");
  const [start, setStart] = useState(toLocalInput(Date.now()));
  const [end, setEnd] = useState(toLocalInput(Date.now() + 7 * 86_400_000));
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<Saved | null>(null);
  const [labels, setLabels] = useState<string[]>([]);

  useEffect(() => {
    if (!promotionId) return;
    get<PromotionView>(`/promotions/${encodeURIComponent(promotionId)}`).then(
      (p) => {
        setLoaded(p);
        setKind(p.kind);
        setSkus(p.skus.join(", "));
        setValue(p.value);
        if (p.buyQuantity) setBuyQuantity(String(p.buyQuantity));
        setStart(toLocalInput(instant(p.start) ?? Date.now()));
        setEnd(p.end === null ? "" : toLocalInput(instant(p.end) ?? Date.now()));
        setReason(p.reason ?? "");
      },
      (e: unknown) => setLoadError(asApiError(e)),
    );
  }, [promotionId]);

  const skuList = skus
    .split(/[\s,;|]+/)
    .map((s) => s.trim())
    .filter(Boolean);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    const body: Record<string, unknown> = {
      kind,
      skus: skuList,
      value: value.trim().replace(",", "."),
      start: fromLocalInput(start),
      end: end ? fromLocalInput(end) : editing ? null : undefined,
      author: session.me.name,
      ...(reason ? { reason } : {}),
      ...(kind === "multibuy" ? { buyQuantity: Number(buyQuantity) } : {}),
    };
    try {
      const r = editing
        ? await api<Saved>("PATCH", `/promotions/${encodeURIComponent(promotionId)}`, body)
        : await api<Saved>("POST", "/promotions", body);
      setSaved(r);
      // The labels of up to three promoted products, to watch the change reach the shelf.
      const products = await Promise.all(
        r.promotion.skus
          .slice(0, 3)
          .map((s) => get<ProductReply>(`/products/${encodeURIComponent(s)}`).catch(() => null)),
      );
      setLabels(products.flatMap((p) => p?.labels ?? []).slice(0, 6));
    } catch (x) {
      setError(asApiError(x));
    } finally {
      setBusy(false);
    }
  };

  if (editing && !loaded && !loadError) return <Loading />;
  if (loadError) return <ErrorBox error={loadError} />;
  const readOnly =
    !session.can(editing ? "PATCH /api/v1/promotions/{promotionId}" : "POST /api/v1/promotions") ||
    (loaded?.source === "central" && session.me.role !== "ops");
  const valueLabel = {
    percent: msg.promotions.valuePercent,
    amount: msg.promotions.valueAmount,
    fixed: msg.promotions.valueFixed,
    multibuy: msg.promotions.valueMultibuy,
    member: msg.promotions.valueMember,
  }[kind];

  return (
    <section>
      <PageTitle>
        {editing ? fill(msg.promotions.editTitle, { id: promotionId }) : msg.promotions.create}
      </PageTitle>
      <form onSubmit={submit} class="form">
        <fieldset disabled={readOnly || busy}>
          <Field id="promo-kind" label={msg.promotions.kind} error={fieldError(error, "kind")}>
            <select id="promo-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {msg.promotions.kinds[k]}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="promo-skus"
            label={msg.promotions.skus}
            hint={msg.promotions.skusHint}
            error={fieldError(error, "skus")}
          >
            <input
              id="promo-skus"
              required
              value={skus}
              aria-describedby="promo-skus-hint"
              onInput={(e) => setSkus(e.currentTarget.value)}
            />
          </Field>
          {kind === "multibuy" && (
            <Field id="promo-buy" label={msg.promotions.buyQuantity} error={fieldError(error, "buyQuantity")}>
              <input
                id="promo-buy"
                type="number"
                min={2}
                inputMode="numeric"
                value={buyQuantity}
                onInput={(e) => setBuyQuantity(e.currentTarget.value)}
              />
            </Field>
          )}
          <Field id="promo-value" label={valueLabel} error={fieldError(error, "value")}>
            <input
              id="promo-value"
              required
              inputMode="decimal"
              value={value}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
          </Field>
          <div class="row2">
            <Field id="promo-start" label={msg.promotions.start} error={fieldError(error, "start")}>
              <input
                id="promo-start"
                type="datetime-local"
                required
                value={start}
                onInput={(e) => setStart(e.currentTarget.value)}
              />
            </Field>
            <Field
              id="promo-end"
              label={msg.promotions.end}
              hint={msg.promotions.endHint}
              error={fieldError(error, "end")}
            >
              <input
                id="promo-end"
                type="datetime-local"
                value={end}
                aria-describedby="promo-end-hint"
                onInput={(e) => setEnd(e.currentTarget.value)}
              />
            </Field>
          </div>
          <Field id="promo-reason" label={msg.common.reason} error={fieldError(error, "reason")}>
            <input id="promo-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </Field>
          {!readOnly && (
            <button type="submit" class="primary">
              {busy ? msg.common.saving : editing ? msg.common.save : msg.promotions.createSubmit}
            </button>
          )}
        </fieldset>
      </form>
      {readOnly && <p class="muted">{msg.common.readOnly}</p>}
      {error && <ErrorBox error={error} />}
      {saved?.held && (
        <div role="status" class="held">
          <p>
            <strong>{msg.approvals.held}</strong> {saved.holdReason}{" "}
            {session.can("POST /api/v1/approvals/{approvalId}/approve") ? (
              <a href="/approvals">{msg.nav.approvals}</a>
            ) : (
              msg.promotions.heldForManager
            )}
          </p>
          <Notes notes={saved.notes} />
        </div>
      )}
      {saved && !saved.held && (
        <div role="status" class="done">
          <p>
            {fill(msg.promotions.saved, { n: saved.labelsAffected })}{" "}
            {!editing && (
              <a href={`/promotions/${encodeURIComponent(saved.promotion.promotionId)}`}>
                {msg.promotions.open}
              </a>
            )}
          </p>
          <Notes notes={saved.notes} />
        </div>
      )}
      {labels.length > 0 && (
        <ul class="label-grid" aria-label={msg.promotions.affectedLabels}>
          {labels.map((id) => (
            <li key={id}>
              <LabelTile labelId={id} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
