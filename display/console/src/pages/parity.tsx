import { get } from "../api.ts";
import { count, when } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { Empty, ErrorBox, Loading, PageTitle, useLoad, useSession } from "../ui.tsx";

interface ParityReply {
  auditId: string;
  at: string;
  storeCode: string;
  source: string;
  compared: number;
  atParity: number;
  mismatched: number;
  parityShare: number;
  notOnline: number;
  mismatches: {
    sku: string;
    labelIds: string[];
    reason: string;
    online: unknown;
    shelf: unknown;
    since: string | null;
  }[];
}

const show = (v: unknown): string => {
  if (v === null || v === undefined) return "—";
  if (typeof v === "object" && v !== null && "text" in v) return String((v as { text: unknown }).text);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
};

/** Online price parity (the merchant work's `GET /api/v1/parity`): share at parity, each mismatch with both values. */
export function Parity() {
  const session = useSession();
  const available = session.can("GET /api/v1/parity");
  const audit = useLoad(
    (signal) => (available ? get<ParityReply>("/parity", signal) : Promise.resolve(null)),
    [available],
  );
  return (
    <section>
      <PageTitle>{msg.nav.parity}</PageTitle>
      {!available ? (
        <p class="empty">{msg.parity.notYet}</p>
      ) : audit.state === "loading" ? (
        <Loading />
      ) : audit.state === "error" ? (
        audit.error.status === 404 ? (
          <Empty>{msg.parity.noAudit}</Empty>
        ) : (
          <ErrorBox error={audit.error} onRetry={audit.reload} />
        )
      ) : audit.value ? (
        <>
          <p class="total">
            <span class="big">{Math.round(audit.value.parityShare * 1000) / 10} %</span> {msg.parity.atParity}
          </p>
          <p class="muted">
            {fill(msg.parity.summary, {
              compared: count(audit.value.compared),
              mismatched: count(audit.value.mismatched),
              notOnline: count(audit.value.notOnline),
              when: when(audit.value.at),
            })}
          </p>
          {audit.value.mismatches.length === 0 ? (
            <Empty>{msg.parity.none}</Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{msg.labels.sku}</th>
                    <th scope="col">{msg.parity.online}</th>
                    <th scope="col">{msg.parity.shelf}</th>
                    <th scope="col">{msg.labels.why}</th>
                    <th scope="col">{msg.nav.labels}</th>
                  </tr>
                </thead>
                <tbody>
                  {audit.value.mismatches.map((m) => (
                    <tr key={m.sku + m.reason}>
                      <td>
                        <a href={`/products/${encodeURIComponent(m.sku)}`}>{m.sku}</a>
                      </td>
                      <td>{show(m.online)}</td>
                      <td>{show(m.shelf)}</td>
                      <td>{m.reason}</td>
                      <td>
                        {m.labelIds.map((id) => (
                          <a key={id} class="sku" href={`/labels/${encodeURIComponent(id)}`}>
                            {id}
                          </a>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </section>
  );
}
