import { useEffect, useState } from "preact/hooks";
import type { SyncEvent } from "../../../../schemas/index.ts";
import { subscribe } from "../api.ts";
import { ago, count } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { Loading, PageTitle, Table } from "../ui.tsx";

/** The counters of the sync dashboard, each a link to the label list filtered by it. */
export const COUNTERS = [
  ["inSync", "in_sync"],
  ["pending", "pending"],
  ["failed", "failed"],
  ["offline", "offline"],
  ["neverSeen", "never_seen"],
  ["unlinked", "unlinked"],
  ["unknownContent", "unknown_content"],
  ["notAReduction", "not_a_reduction"],
  ["lowBattery", "low_battery"],
  ["weakSignal", "weak_signal"],
] as const;

/**
 * The sync dashboard, live: the controller pushes the counters over server-sent events whenever they
 * change (GET /api/v1/events), so a relink of 50,000 labels shows here within a second, no reload.
 */
export function Dashboard() {
  const [sync, setSync] = useState<SyncEvent | null>(null);
  const [live, setLive] = useState<boolean | null>(null);
  const [, tick] = useState(0);
  useEffect(() => {
    const stop = subscribe(
      (event, data) => {
        if (event === "sync") setSync(JSON.parse(data) as SyncEvent);
      },
      (connected) => setLive(connected),
    );
    const timer = setInterval(() => tick((n) => n + 1), 10_000);
    return () => {
      stop();
      clearInterval(timer);
    };
  }, []);

  return (
    <section>
      <PageTitle>{msg.dashboard.title}</PageTitle>
      <p class={`live ${live ? "on" : "off"}`} role="status" aria-live="polite">
        {live === null ? msg.dashboard.connecting : live ? msg.dashboard.live : msg.dashboard.reconnecting}
        {sync && <span class="muted"> · {fill(msg.dashboard.updated, { when: ago(sync.at) })}</span>}
      </p>
      {!sync ? (
        <Loading />
      ) : (
        <>
          <p class="total">
            <span data-testid="total">{count(sync.total)}</span> {msg.dashboard.labels}
          </p>
          <ul class="counters" aria-label={msg.dashboard.counters}>
            {COUNTERS.map(([key, filter]) => (
              <li key={key} class={`counter c-${filter}`}>
                <a href={`/labels?filter=${filter}`} data-counter={filter}>
                  <span class="n">{count(sync[key])}</span>
                  <span class="what">{msg.status[filter]}</span>
                </a>
              </li>
            ))}
          </ul>
          <h2>{fill(msg.dashboard.notRight, { n: count(sync.notRightTotal) })}</h2>
          <Table
            rows={sync.notRight}
            empty={msg.dashboard.allRight}
            columns={[msg.labels.label, msg.labels.sku, msg.labels.status, msg.labels.why]}
            row={(r) => (
              <tr key={r.labelId + r.reason}>
                <td>
                  <a href={`/labels/${encodeURIComponent(r.labelId)}`}>{r.labelId}</a>
                </td>
                <td>{r.sku ? <a href={`/products/${encodeURIComponent(r.sku)}`}>{r.sku}</a> : "—"}</td>
                <td>
                  <span class={`badge s-${r.reason}`}>{msg.status[r.reason]}</span>
                </td>
                <td class="muted">{r.detail}</td>
              </tr>
            )}
          >
            {sync.notRightTotal > sync.notRight.length && (
              <p class="muted">
                {fill(msg.dashboard.more, { n: count(sync.notRightTotal - sync.notRight.length) })}{" "}
                <a href="/labels">{msg.nav.labels}</a>
              </p>
            )}
          </Table>
        </>
      )}
    </section>
  );
}
