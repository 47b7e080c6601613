import { useState } from "preact/hooks";
import { api, get } from "../api.ts";
import { count, when } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { asApiError, Empty, ErrorBox, Loading, PageTitle, useLoad, useSession } from "../ui.tsx";

interface Money {
  amountMinor: number;
  currency: string;
  text: string;
}
interface Side {
  price: Money | null;
  regularPrice: Money | null;
  memberPrice?: Money | null;
  stock: "available" | "out" | null;
  netQuantity: { quantity: string; unit: string } | null;
  problems?: { field: string; value: string; reason: string }[];
  from?: string;
}
type Reason = keyof typeof msg.parity.reasons;
interface Mismatch {
  sku: string;
  labelIds: string[];
  reason: Reason;
  online: Side | null;
  shelf: Side | null;
  feed?: Side | null;
  since: string;
}
interface ParityReply {
  auditId: number;
  status: "running" | "done" | "failed";
  at: string;
  storeCode: string;
  source: { kind: string; url: string | null; fetchedAt: string | null; etag: string | null };
  compared: number;
  atParity: number;
  mismatched: number;
  parityShare: number | null;
  notOnline: number;
  mismatches: Mismatch[];
  mismatchesTotal: number;
}

/** One side as a shopper reads it: the price paid, the struck price, the quantity, the stock. */
function SideCell({ side, reason }: { side: Side | null | undefined; reason: Reason }) {
  if (!side) return <span class="muted">—</span>;
  if (side.problems && side.problems.length > 0) {
    return (
      <span>
        {side.problems.map((p) => (
          <span key={p.field} class="block">
            {p.field}: {p.reason}
          </span>
        ))}
      </span>
    );
  }
  return (
    <span>
      <strong class={reason === "price" || reason === "currency" ? "hit" : undefined}>
        {side.price?.text ?? "—"}
      </strong>
      {side.regularPrice ? (
        <span class={`block${reason === "regular_price" ? " hit" : ""}`}>
          {msg.parity.struck} <s>{side.regularPrice.text}</s>
        </span>
      ) : reason === "regular_price" ? (
        <span class="block hit">{msg.parity.noStruck}</span>
      ) : null}
      {side.memberPrice ? (
        <span class="block">
          {msg.parity.member} {side.memberPrice.text}
        </span>
      ) : null}
      {side.netQuantity ? (
        <span class={`block${reason === "net_quantity" ? " hit" : ""}`}>
          {side.netQuantity.quantity} {side.netQuantity.unit}
        </span>
      ) : null}
      {side.stock ? (
        <span class={`block${reason === "stock" ? " hit" : ""}`}>{msg.parity.stock[side.stock]}</span>
      ) : null}
    </span>
  );
}

/** Online price parity (`GET /api/v1/parity`): share at parity, each mismatch with both values and its labels. */
export function Parity() {
  const session = useSession();
  const available = session.can("GET /api/v1/parity");
  const mayRun = session.can("POST /api/v1/parity/run");
  const [running, setRunning] = useState(false);
  const [runError, setRunError] = useState<ReturnType<typeof asApiError> | null>(null);
  const audit = useLoad(
    (signal) => (available ? get<ParityReply>("/parity?limit=500", signal) : Promise.resolve(null)),
    [available],
  );

  async function run() {
    setRunning(true);
    setRunError(null);
    try {
      const { auditId } = await api<{ auditId: number }>("POST", "/parity/run");
      for (;;) {
        const a = await get<ParityReply>(`/parity/${auditId}?limit=0`);
        if (a.status !== "running") break;
        await new Promise((r) => setTimeout(r, 500));
      }
      audit.reload();
    } catch (e) {
      setRunError(asApiError(e));
    } finally {
      setRunning(false);
    }
  }

  const a = audit.state === "error" ? null : (audit.value ?? null);
  return (
    <section class="parity">
      <PageTitle>{msg.nav.parity}</PageTitle>
      {mayRun ? (
        <div class="actions">
          <button type="button" class="primary" disabled={running} onClick={run} data-testid="parity-run">
            {running ? msg.parity.running : msg.parity.run}
          </button>
        </div>
      ) : null}
      {runError ? <ErrorBox error={runError} /> : null}
      {!available ? (
        <p class="empty">{msg.parity.notYet}</p>
      ) : audit.state === "loading" && !audit.value ? (
        <Loading />
      ) : audit.state === "error" ? (
        audit.error.status === 404 ? (
          <Empty>{msg.parity.noAudit}</Empty>
        ) : (
          <ErrorBox error={audit.error} onRetry={audit.reload} />
        )
      ) : a ? (
        <>
          <p class="total">
            <span class="big" data-testid="parity-share">
              {a.parityShare === null ? "—" : `${Math.floor(a.parityShare * 1000) / 10} %`}
            </span>{" "}
            {msg.parity.atParity}
          </p>
          <p class="muted">
            {fill(msg.parity.summary, {
              compared: count(a.compared),
              mismatched: count(a.mismatched),
              notOnline: count(a.notOnline),
              when: when(a.at),
            })}
          </p>
          <p class="muted">
            {fill(msg.parity.source, {
              source: msg.parity.sources[a.source.kind as keyof typeof msg.parity.sources] ?? a.source.kind,
            })}
            {a.source.url ? (
              <>
                {" "}
                <span class="sku">{a.source.url}</span>
              </>
            ) : null}
          </p>
          {a.mismatches.length === 0 ? (
            <Empty>{msg.parity.none}</Empty>
          ) : (
            <>
              {a.mismatchesTotal > a.mismatches.length ? (
                <p class="muted">
                  {fill(msg.parity.listed, {
                    shown: count(a.mismatches.length),
                    total: count(a.mismatchesTotal),
                  })}
                </p>
              ) : null}
              <div class="table-wrap">
                <table data-testid="parity-mismatches">
                  <thead>
                    <tr>
                      <th scope="col">{msg.labels.sku}</th>
                      <th scope="col">{msg.labels.why}</th>
                      <th scope="col">{msg.parity.online}</th>
                      <th scope="col">{msg.parity.shelf}</th>
                      <th scope="col">{msg.nav.labels}</th>
                      <th scope="col">{msg.parity.since}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.mismatches.map((m) => (
                      <tr key={`${m.sku} ${m.reason}`} data-sku={m.sku} data-reason={m.reason}>
                        <td>
                          <a class="sku" href={`/products/${encodeURIComponent(m.sku)}`}>
                            {m.sku}
                          </a>
                        </td>
                        <td>{msg.parity.reasons[m.reason] ?? m.reason}</td>
                        <td data-side="online">
                          <SideCell side={m.online} reason={m.reason} />
                        </td>
                        <td data-side="shelf">
                          <SideCell
                            side={m.reason === "sources_disagree" ? m.feed : m.shelf}
                            reason={m.reason}
                          />
                          {m.reason === "sources_disagree" ? (
                            <span class="block muted">{msg.parity.feedSays}</span>
                          ) : null}
                        </td>
                        <td>
                          {m.labelIds.map((id) => (
                            <a key={id} class="sku block" href={`/labels/${encodeURIComponent(id)}`}>
                              {id}
                            </a>
                          ))}
                        </td>
                        <td>{when(m.since)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      ) : null}
    </section>
  );
}
