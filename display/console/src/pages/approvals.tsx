import { useState } from "preact/hooks";
import type { ApprovalReply, ChangeNote } from "../../../../schemas/index.ts";
import { type ApiError, api, get } from "../api.ts";
import { when } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { asApiError, Empty, ErrorBox, Notes, PageTitle, Show, useLoad, useSession } from "../ui.tsx";

const STATUSES = ["pending", "approved", "rejected"] as const;

/** Price changes a guard rail held: proposed beside current; managers and ops decide. */
export function Approvals() {
  const session = useSession();
  const [status, setStatus] = useState<(typeof STATUSES)[number]>("pending");
  const list = useLoad((signal) => get<ApprovalReply[]>(`/approvals?status=${status}`, signal), [status]);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<{ text: string; notes?: ChangeNote[] } | null>(null);
  const canDecide = session.can("POST /api/v1/approvals/{approvalId}/approve");

  const decide = async (a: ApprovalReply, verdict: "approve" | "reject") => {
    setError(null);
    setDone(null);
    try {
      const r = await api<{ notes?: ChangeNote[] }>(
        "POST",
        `/approvals/${encodeURIComponent(a.approvalId)}/${verdict}`,
        {},
      );
      setDone({
        text: fill(verdict === "approve" ? msg.approvals.approved : msg.approvals.rejected, { sku: a.sku }),
        ...(r.notes ? { notes: r.notes } : {}),
      });
      list.reload();
    } catch (e) {
      setError(asApiError(e));
    }
  };

  return (
    <section>
      <PageTitle>{msg.approvals.title}</PageTitle>
      <fieldset class="filters">
        <legend class="sr-only">{msg.approvals.filter}</legend>
        {STATUSES.map((s) => (
          <button key={s} type="button" aria-pressed={status === s} onClick={() => setStatus(s)}>
            {msg.approvals.status[s]}
          </button>
        ))}
      </fieldset>
      {!canDecide && status === "pending" && <p class="muted">{msg.approvals.onlyManagers}</p>}
      {error && <ErrorBox error={error} />}
      {done && (
        <div role="status" class="done">
          <p>{done.text}</p>
          <Notes notes={done.notes} />
        </div>
      )}
      <Show loaded={list}>
        {(items) =>
          items.length === 0 ? (
            <Empty>{msg.approvals.none}</Empty>
          ) : (
            <ul class="approvals">
              {items.map((a) => (
                <li key={a.approvalId} class="card approval" data-approval={a.approvalId}>
                  <h2>
                    <a href={`/products/${encodeURIComponent(a.sku)}`}>{a.sku}</a>{" "}
                    <span class="muted">{msg.approvals.change[a.change]}</span>
                  </h2>
                  <div class="compare">
                    <div>
                      <span class="what">{msg.approvals.current}</span>
                      <span class="big">{a.current?.text ?? "—"}</span>
                    </div>
                    <div aria-hidden="true" class="arrow">
                      →
                    </div>
                    <div>
                      <span class="what">{msg.approvals.proposed}</span>
                      <span class="big proposed">{a.proposed.text}</span>
                    </div>
                  </div>
                  <p>{a.reason}</p>
                  <p class="muted">
                    {fill(msg.approvals.from, { source: a.source, when: when(a.createdAt) })}
                    {a.effectiveFrom &&
                      ` · ${fill(msg.approvals.effective, { when: when(a.effectiveFrom) })}`}
                    {a.decidedBy &&
                      ` · ${fill(msg.approvals.decidedBy, { name: a.decidedBy, when: when(a.decidedAt) })}`}
                  </p>
                  {canDecide && a.status === "pending" && (
                    <div class="actions">
                      <button type="button" class="primary" onClick={() => decide(a, "approve")}>
                        {msg.approvals.approve}
                      </button>
                      <button type="button" class="danger" onClick={() => decide(a, "reject")}>
                        {msg.approvals.reject}
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
