import { useEffect, useRef, useState } from "preact/hooks";
import type { PriceHistoryReply } from "../../../schemas/index.ts";
import { when } from "./format.ts";
import { locale, msg } from "./i18n/index.ts";

const H = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

/**
 * The price in force over time as a step chart in inline SVG (no chart library: a few steps and two
 * axes). The shelf price is the solid line, the regular price dashed where a promotion cuts it; "now"
 * is marked. The same points are listed in a table for screen readers and exact figures.
 */
export function PriceChart({ history, now = Date.now() }: { history: PriceHistoryReply; now?: number }) {
  // Drawn at the width it is shown at (one SVG unit = one CSS pixel), so the axis texts keep their
  // size and shape on a 360 px phone and a wide desktop alike instead of being stretched with it.
  const box = useRef<HTMLElement>(null);
  const [W, setW] = useState(640);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setW(Math.max(240, Math.round(entry.contentRect.width)));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const from = Date.parse(history.from);
  const to = Date.parse(history.to);
  const pts = history.points.map((p) => ({ ...p, t: Date.parse(p.at) }));
  if (pts.length === 0) return <p class="empty">{msg.product.noHistory}</p>;
  const amounts = pts.flatMap((p) => [p.price.amountMinor, p.regularPrice.amountMinor]);
  const max = Math.max(...amounts);
  const min = Math.min(0, ...amounts);
  const x = (t: number) =>
    PAD.left + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * (W - PAD.left - PAD.right);
  const y = (a: number) => PAD.top + (1 - (a - min) / (max - min || 1)) * (H - PAD.top - PAD.bottom);
  const step = (pick: (p: (typeof pts)[number]) => number) => {
    let d = "";
    pts.forEach((p, i) => {
      const next = pts[i + 1]?.t ?? to;
      d += `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y(pick(p)).toFixed(1)}H${x(next).toFixed(1)}`;
    });
    return d;
  };
  const ticks = [min, (min + max) / 2, max];
  const label = pts[0]?.price.text ?? "";
  // Axis figures in the currency's own minor unit (2 decimals for EUR, 0 for JPY); exact texts are
  // the server's, in the table below.
  const nf = new Intl.NumberFormat(locale(), {
    style: "currency",
    currency: pts[0]?.price.currency ?? "EUR",
  });
  const exponent = nf.resolvedOptions().maximumFractionDigits ?? 2;
  const fmt = (a: number) => nf.format(a / 10 ** exponent);
  return (
    <figure class="chart" ref={box}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={msg.product.chartLabel}>
        {ticks.map((a) => (
          <g key={a}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(a)} y2={y(a)} class="grid" />
            <text x={PAD.left - 6} y={y(a) + 4} text-anchor="end" class="axis">
              {fmt(a)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={H - 8} class="axis">
          {when(history.from, "date")}
        </text>
        <text x={W - PAD.right} y={H - 8} text-anchor="end" class="axis">
          {when(history.to, "date")}
        </text>
        <path d={step((p) => p.regularPrice.amountMinor)} class="regular" />
        <path d={step((p) => p.price.amountMinor)} class="shelf" />
        {now > from && now < to && (
          <g>
            <line x1={x(now)} x2={x(now)} y1={PAD.top} y2={H - PAD.bottom} class="now" />
            <text x={x(now) + 4} y={PAD.top + 10} class="axis">
              {msg.product.now}
            </text>
          </g>
        )}
      </svg>
      <figcaption class="legend">
        <span class="k shelf">{msg.product.shelfPrice}</span>{" "}
        <span class="k regular">{msg.product.regularPrice}</span>
        <span class="sr-only">{label}</span>
      </figcaption>
      <details>
        <summary>{msg.product.historyTable}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{msg.product.from}</th>
              <th scope="col">{msg.product.shelfPrice}</th>
              <th scope="col">{msg.product.regularPrice}</th>
              <th scope="col">{msg.product.priorPrice}</th>
              <th scope="col">{msg.product.promotion}</th>
            </tr>
          </thead>
          <tbody>
            {history.points.map((p) => (
              <tr key={p.at}>
                <td>{when(p.at)}</td>
                <td>{p.price.text}</td>
                <td>{p.regularPrice.text}</td>
                <td>{p.referencePrice?.text ?? "—"}</td>
                <td>{p.promo?.text ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
