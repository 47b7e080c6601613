import { useEffect, useRef, useState } from "preact/hooks";
import type { LabelReply, ProductReply } from "../../../../schemas/index.ts";
import { ApiError, api, get } from "../api.ts";
import { fill, msg } from "../i18n/index.ts";
import { LabelTile } from "../label-tile.tsx";
import { guess, isValidGtin } from "../scan.ts";
import { asApiError, ErrorBox, PageTitle, Preview } from "../ui.tsx";
import type { ProductItem } from "./products.tsx";

type Found = { kind: "label"; label: LabelReply } | { kind: "product"; product: ProductItem };

/** Look a scanned code up: a product by GTIN, a label by id, or a product by SKU. */
async function lookUp(code: string): Promise<Found | null> {
  const product = async (): Promise<Found | null> => {
    const page = await get<{ items: ProductItem[] }>(`/products?q=${encodeURIComponent(code)}&limit=5`).catch(
      () => ({ items: [] as ProductItem[] }),
    );
    const hit = page.items.find((p) => p.gtin === code || p.sku === code);
    if (hit) return { kind: "product", product: hit };
    try {
      const p = await get<ProductReply>(`/products/${encodeURIComponent(code)}`);
      return { kind: "product", product: p };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  };
  const label = async (): Promise<Found | null> => {
    try {
      return { kind: "label", label: await get<LabelReply>(`/labels/${encodeURIComponent(code)}`) };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  };
  return guess(code, isValidGtin) === "gtin"
    ? ((await product()) ?? label())
    : ((await label()) ?? product());
}

const panelOf = (l: LabelReply) =>
  l.width && l.height ? `${l.width}x${l.height}-${l.colors ?? "bwr"}` : "2.9in-bwr";

/**
 * Link a label to a product with a barcode scanner, no mouse needed: scan the label's code and the
 * product's GTIN (either order; told apart by the GTIN check digit and a lookup), see what the label
 * will show, press Enter to confirm (Escape starts over). The scan field keeps the focus throughout,
 * so a keyboard-wedge scanner's burst always lands in it.
 */
export function LinkScan() {
  const input = useRef<HTMLInputElement>(null);
  const [code, setCode] = useState("");
  const [label, setLabel] = useState<LabelReply | null>(null);
  const [product, setProduct] = useState<ProductItem | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [linked, setLinked] = useState<{ labelId: string; sku: string; name: string }[]>([]);
  const refocus = () => input.current?.focus();
  useEffect(refocus, []);

  const reset = () => {
    setLabel(null);
    setProduct(null);
    setProblem(null);
    setError(null);
  };

  const confirm = async () => {
    if (!label || !product) return;
    setBusy(true);
    setError(null);
    try {
      await api("PUT", `/labels/${encodeURIComponent(label.labelId)}/link`, { sku: product.sku });
      setLinked((l) => [{ labelId: label.labelId, sku: product.sku, name: product.name }, ...l].slice(0, 10));
      setLabel(null);
      setProduct(null);
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
      refocus();
    }
  };

  const scanned = async (raw: string) => {
    const c = raw.trim();
    setCode("");
    if (c === "") {
      if (label && product) await confirm();
      return;
    }
    setBusy(true);
    setProblem(null);
    setError(null);
    try {
      const found = await lookUp(c);
      if (!found) setProblem(fill(msg.link.unknown, { code: c }));
      else if (found.kind === "label") setLabel(found.label);
      else setProduct(found.product);
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
      refocus();
    }
  };

  const ready = label !== null && product !== null;
  const step = ready
    ? msg.link.confirmHint
    : label
      ? msg.link.scanProduct
      : product
        ? msg.link.scanLabel
        : msg.link.scanEither;
  return (
    <section class="link-page">
      <PageTitle>{msg.link.title}</PageTitle>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void scanned(code);
        }}
      >
        <label for="scan">{msg.link.scan}</label>
        <input
          id="scan"
          ref={input}
          class="scan"
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          enterKeyHint="go"
          aria-describedby="scan-step"
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              reset();
            }
          }}
        />
        <p id="scan-step" class="step" role="status" aria-live="polite">
          {busy ? msg.common.loading : step}
        </p>
      </form>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {error && <ErrorBox error={error} />}
      <div class="pair">
        <div class={`card ${label ? "got" : ""}`} data-testid="scanned-label">
          <h2>{msg.link.label}</h2>
          {label ? (
            <p>
              <strong>{label.labelId}</strong>
              <br />
              <span class="muted">
                {label.sku ? fill(msg.link.currentlyShows, { sku: label.sku }) : msg.labels.unlinked}
              </span>
            </p>
          ) : (
            <p class="muted">{msg.link.waiting}</p>
          )}
        </div>
        <div class={`card ${product ? "got" : ""}`} data-testid="scanned-product">
          <h2>{msg.link.product}</h2>
          {product ? (
            <p>
              <strong>{product.name}</strong>
              <br />
              <span class="muted">
                {product.sku}
                {product.gtin ? ` · ${product.gtin}` : ""}
              </span>
            </p>
          ) : (
            <p class="muted">{msg.link.waiting}</p>
          )}
        </div>
      </div>
      {ready && (
        <div class="card confirm">
          <h2>{msg.link.willShow}</h2>
          <Preview
            path={`/templates/standard/preview.png?sku=${encodeURIComponent(product.sku)}&panel=${encodeURIComponent(panelOf(label))}`}
            alt={fill(msg.link.previewAlt, { id: label.labelId, name: product.name })}
          />
          <div class="actions">
            <button type="button" class="primary" disabled={busy} onClick={confirm}>
              {msg.link.confirm}
            </button>
            <button
              type="button"
              onClick={() => {
                reset();
                refocus();
              }}
            >
              {msg.link.startOver}
            </button>
          </div>
        </div>
      )}
      {linked.length > 0 && (
        <>
          <h2>{msg.link.done}</h2>
          <ul class="label-grid" aria-live="polite">
            {linked.map((l) => (
              <li key={l.labelId + l.sku} data-linked={l.labelId}>
                <p>{fill(msg.link.linkedRow, { id: l.labelId, name: l.name })}</p>
                <LabelTile labelId={l.labelId} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
