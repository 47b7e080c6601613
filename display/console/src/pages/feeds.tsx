import { useRef, useState } from "preact/hooks";
import type { FeedReply, FeedsReply } from "../../../../schemas/index.ts";
import { type ApiError, get, upload } from "../api.ts";
import { count, when } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import { asApiError, ErrorBox, Field, Notes, PageTitle, Show, Table, useLoad, useSession } from "../ui.tsx";

/** Content-Type of a feed file by its name (the API reads CSV, NDJSON and JSON arrays). */
function typeOf(file: File): string {
  const name = file.name.toLowerCase();
  if (name.endsWith(".ndjson") || name.endsWith(".jsonl")) return "application/x-ndjson";
  if (name.endsWith(".json")) return "application/json";
  if (name.endsWith(".tsv") || name.endsWith(".txt")) return "text/tab-separated-values";
  if (name.endsWith(".xml")) return "application/xml";
  return "text/csv";
}

/** Central feeds: last sequence and gaps per feed, recent batches with their counts, and an upload. */
export function Feeds() {
  const session = useSession();
  const ledger = useLoad((signal) => get<FeedsReply>("/feeds", signal), []);
  const feeds = ledger.state === "ok" ? Object.keys(ledger.value.feeds) : [];
  const uploadable = feeds.filter((f) => session.can(`POST /api/v1/feeds/${f}`));
  return (
    <section>
      <PageTitle>{msg.feeds.title}</PageTitle>
      <Show loaded={ledger}>
        {(l) => (
          <>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{msg.feeds.feed}</th>
                    <th scope="col">{msg.feeds.lastSequence}</th>
                    <th scope="col">{msg.feeds.appliedAt}</th>
                    <th scope="col">{msg.feeds.gaps}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(l.feeds).map(([feed, f]) => (
                    <tr key={feed} data-feed={feed}>
                      <th scope="row">{feed}</th>
                      <td>{f.lastSequence ?? "—"}</td>
                      <td>{when(f.appliedAt)}</td>
                      <td class={f.gaps.length ? "warn" : ""}>
                        {f.gaps.length === 0
                          ? msg.feeds.noGaps
                          : f.gaps
                              .map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`))
                              .join(", ")}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {uploadable.length > 0 && (
              <Upload feeds={uploadable} last={(f) => l.feeds[f]?.lastSequence ?? 0} onDone={ledger.reload} />
            )}
            <h2>{msg.feeds.recent}</h2>
            <Table
              rows={l.batches}
              empty={msg.feeds.noBatches}
              columns={[
                msg.feeds.appliedAt,
                msg.feeds.feed,
                msg.feeds.sequence,
                msg.feeds.rows,
                msg.feeds.changed,
                msg.feeds.labels,
                msg.feeds.duration,
              ]}
              row={(b) => (
                <tr key={`${b.feed}#${b.sequence}`}>
                  <td>{when(b.appliedAt)}</td>
                  <td>{b.feed}</td>
                  <td>{b.sequence}</td>
                  <td>{count(b.rowsRead)}</td>
                  <td>{count(b.rowsChanged)}</td>
                  <td>{count(b.labelsAffected)}</td>
                  <td>{b.durationMs === null ? "—" : `${count(Math.round(b.durationMs))} ms`}</td>
                </tr>
              )}
            />
          </>
        )}
      </Show>
    </section>
  );
}

function Upload({
  feeds,
  last,
  onDone,
}: {
  feeds: string[];
  last: (feed: string) => number;
  onDone: () => void;
}) {
  const [feed, setFeed] = useState(feeds[0] ?? "");
  const [sequence, setSequence] = useState(String(last(feeds[0] ?? "") + 1));
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [reply, setReply] = useState<FeedReply | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const abort = useRef<(() => void) | null>(null);
  return (
    <form
      class="card form upload"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = file.current?.files?.[0];
        if (!f) return;
        setError(null);
        setReply(null);
        setProgress({ sent: 0, total: f.size });
        const u = upload<FeedReply>(
          `/feeds/${feed}?sequence=${encodeURIComponent(sequence)}`,
          f,
          typeOf(f),
          (sent, total) => setProgress({ sent, total }),
        );
        abort.current = u.abort;
        try {
          setReply(await u.done);
          onDone();
        } catch (x) {
          setError(asApiError(x));
        } finally {
          abort.current = null;
          setProgress(null);
        }
      }}
    >
      <h2>{msg.feeds.upload}</h2>
      <div class="row2">
        <Field id="feed-name" label={msg.feeds.feed}>
          <select
            id="feed-name"
            value={feed}
            onChange={(e) => {
              setFeed(e.currentTarget.value);
              setSequence(String(last(e.currentTarget.value) + 1));
            }}
          >
            {feeds.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </Field>
        <Field id="feed-sequence" label={msg.feeds.sequence} hint={msg.feeds.sequenceHint}>
          <input
            id="feed-sequence"
            type="number"
            min={1}
            required
            value={sequence}
            aria-describedby="feed-sequence-hint"
            onInput={(e) => setSequence(e.currentTarget.value)}
          />
        </Field>
      </div>
      <Field id="feed-file" label={msg.feeds.file} hint={msg.feeds.fileHint}>
        <input id="feed-file" ref={file} type="file" required aria-describedby="feed-file-hint" />
      </Field>
      {progress ? (
        <div class="progress-row">
          <progress max={progress.total || 1} value={progress.sent} aria-label={msg.feeds.progress} />
          <span>
            {fill(msg.feeds.sent, {
              sent: count(Math.round(progress.sent / 1024)),
              total: count(Math.round(progress.total / 1024)),
            })}
          </span>
          <button type="button" onClick={() => abort.current?.()}>
            {msg.common.cancel}
          </button>
        </div>
      ) : (
        <button type="submit" class="primary">
          {msg.feeds.send}
        </button>
      )}
      {error && <ErrorBox error={error} />}
      {reply && (
        <div role="status" class="done">
          <p>
            {reply.applied
              ? fill(msg.feeds.applied, {
                  rows: count(reply.rowsRead),
                  changed: count(reply.rowsChanged),
                  labels: count(reply.labelsAffected),
                  held: count(reply.held),
                })
              : fill(msg.feeds.notApplied, { reason: reply.reason ?? "" })}
          </p>
          <Notes notes={reply.notes} />
        </div>
      )}
    </form>
  );
}
