import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { get } from "../api.ts";
import { when } from "../format.ts";
import { msg } from "../i18n/index.ts";
import { Field, PageTitle, Show, Table, useLoad } from "../ui.tsx";

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

const FILTERS = ["entity", "entityId", "action"] as const;

/** The audit log, newest first, filtered by entity, entity id and action (kept in the URL). */
export function Audit() {
  const { url, route } = useLocation();
  const params = new URL(url, location.origin).searchParams;
  const query = new URLSearchParams();
  for (const f of FILTERS) if (params.get(f)) query.set(f, params.get(f) ?? "");
  query.set("limit", "200");
  const list = useLoad((signal) => get<AuditRow[]>(`/audit?${query}`, signal), [query.toString()]);
  const [form, setForm] = useState<Record<string, string>>(
    Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])),
  );
  return (
    <section>
      <PageTitle>{msg.audit.title}</PageTitle>
      <form
        class="form filters-form"
        onSubmit={(e) => {
          e.preventDefault();
          const p = new URLSearchParams();
          for (const f of FILTERS) if (form[f]?.trim()) p.set(f, form[f].trim());
          route(`/audit${p.size ? `?${p}` : ""}`);
        }}
      >
        {FILTERS.map((f) => (
          <Field key={f} id={`audit-${f}`} label={msg.audit[f]}>
            <input
              id={`audit-${f}`}
              value={form[f] ?? ""}
              onInput={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
            />
          </Field>
        ))}
        <button type="submit">{msg.audit.apply}</button>
      </form>
      <Show loaded={list}>
        {(rows) => (
          <Table
            rows={rows}
            empty={msg.audit.none}
            columns={[
              msg.audit.at,
              msg.audit.actor,
              msg.audit.action,
              msg.audit.entity,
              msg.common.reason,
              msg.audit.change,
            ]}
            row={(r) => (
              <tr key={r.id}>
                <td>{when(r.at)}</td>
                <td>{r.actor}</td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td>
                  {r.entity}
                  {r.entityId && (
                    <>
                      {" "}
                      <a
                        href={`/audit?entity=${encodeURIComponent(r.entity)}&entityId=${encodeURIComponent(r.entityId)}`}
                      >
                        {r.entityId}
                      </a>
                    </>
                  )}
                </td>
                <td>{r.reason ?? ""}</td>
                <td>
                  {(r.before !== null || r.after !== null) && (
                    <details>
                      <summary>{msg.audit.details}</summary>
                      <pre>{JSON.stringify({ before: r.before, after: r.after }, null, 1)}</pre>
                    </details>
                  )}
                </td>
              </tr>
            )}
          />
        )}
      </Show>
    </section>
  );
}
