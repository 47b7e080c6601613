import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { get } from "../api.ts";
import { msg } from "../i18n/index.ts";
import { Empty, ErrorBox, Loading, PageTitle, useLoad } from "../ui.tsx";

/** One row of `GET /api/v1/products?q=`: the fields a search result shows. */
export interface ProductItem {
  sku: string;
  gtin: string | null;
  name: string;
  brand?: string | null;
  price?: { text: string } | null;
}
interface ProductPage {
  items: ProductItem[];
  nextCursor: string | null;
}

const PAGE = 25;

/**
 * Product search by SKU, GTIN or name (`GET /api/v1/products?q=&limit=&cursor=`). The query is in the
 * URL (`?q=`), so a search can be reloaded and the back button returns to it; a scanned GTIN that
 * matches exactly one product opens it.
 */
export function Products() {
  const { url, route } = useLocation();
  const q = new URL(url, location.origin).searchParams.get("q") ?? "";
  const [text, setText] = useState(q);
  const [more, setMore] = useState<ProductItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const first = useLoad(
    (signal) => get<ProductPage>(`/products?q=${encodeURIComponent(q)}&limit=${PAGE}`, signal),
    [q],
  );
  useEffect(() => {
    setMore([]);
    setCursor(first.state === "ok" ? first.value.nextCursor : null);
  }, [first.state, first.value]);
  useEffect(() => {
    if (first.state === "ok" && q && first.value.items.length === 1 && /^\d{8,14}$/.test(q)) {
      const only = first.value.items[0];
      if (only?.gtin === q) route(`/products/${encodeURIComponent(only.sku)}`, true);
    }
  }, [first.state, first.value, q, route]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await get<ProductPage>(
        `/products?q=${encodeURIComponent(q)}&limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`,
      );
      setMore((m) => [...m, ...page.items]);
      setCursor(page.nextCursor);
    } finally {
      setLoadingMore(false);
    }
  };

  const items = first.state === "ok" ? [...first.value.items, ...more] : [];
  return (
    <section>
      <PageTitle>{msg.products.title}</PageTitle>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          route(`/products?q=${encodeURIComponent(text.trim())}`);
        }}
      >
        <label for="product-q">{msg.products.search}</label>
        <div class="row">
          <input
            id="product-q"
            ref={input}
            type="search"
            inputMode="search"
            autoComplete="off"
            value={text}
            // biome-ignore lint/a11y/noAutofocus: a search page is for typing (or scanning) a code
            autoFocus
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="primary">
            {msg.products.find}
          </button>
        </div>
        <small class="hint">{msg.products.hint}</small>
      </form>
      {first.state === "loading" && <Loading />}
      {first.state === "error" && <ErrorBox error={first.error} onRetry={first.reload} />}
      {first.state === "ok" &&
        (items.length === 0 ? (
          <Empty>{q ? msg.products.none : msg.products.noneAtAll}</Empty>
        ) : (
          <>
            <ul class="results" aria-label={msg.products.results}>
              {items.map((p) => (
                <li key={p.sku}>
                  <a href={`/products/${encodeURIComponent(p.sku)}`}>
                    <strong>{p.name}</strong>
                    {p.price && <span class="price">{p.price.text}</span>}
                    <span class="muted">
                      {p.sku}
                      {p.gtin ? ` · ${p.gtin}` : ""}
                      {p.brand ? ` · ${p.brand}` : ""}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
            {cursor && (
              <button type="button" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? msg.common.loading : msg.products.more}
              </button>
            )}
          </>
        ))}
    </section>
  );
}
