import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { LabelReply } from "../../../../schemas/index.ts";
import { type ApiError, api, get } from "../api.ts";
import { ago, when } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import {
  asApiError,
  ConfirmButton,
  ErrorBox,
  Field,
  PageTitle,
  Preview,
  Show,
  useLoad,
  useSession,
} from "../ui.tsx";

/** One label: what it shows (zoomable preview), its device state, and flash / link / unlink / delete. */
export function Label({ labelId }: { labelId: string }) {
  const session = useSession();
  const { route } = useLocation();
  const enc = encodeURIComponent(labelId);
  const label = useLoad((signal) => get<LabelReply>(`/labels/${enc}`, signal), [labelId]);
  const [sku, setSku] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>, doneText: string) => {
    setError(null);
    setDone(null);
    try {
      await what();
      setDone(doneText);
      label.reload();
    } catch (e) {
      setError(asApiError(e));
    }
  };
  return (
    <section>
      <PageTitle>{fill(msg.labels.labelTitle, { id: labelId })}</PageTitle>
      <Show loaded={label}>
        {(l) => (
          <>
            <div class="cards">
              <div class="card">
                {l.content ? (
                  <Preview
                    path={`/labels/${enc}/preview.png`}
                    alt={fill(msg.labels.previewOf, { id: labelId })}
                    zoomable
                    version={l.content.contentHash}
                  />
                ) : (
                  <p class="preview-missing">{msg.labels.noContent}</p>
                )}
              </div>
              <div class="card">
                <dl>
                  <dt>{msg.labels.status}</dt>
                  <dd>
                    <span class={`badge s-${l.status}`} data-testid="label-status">
                      {msg.status[l.status]}
                    </span>
                  </dd>
                  <dt>{msg.labels.product}</dt>
                  <dd>
                    {l.sku ? (
                      <a href={`/products/${encodeURIComponent(l.sku)}`}>
                        {l.content?.name ?? l.sku} ({l.sku})
                      </a>
                    ) : (
                      msg.labels.unlinked
                    )}
                  </dd>
                  {l.content && (
                    <>
                      <dt>{msg.product.shelfPrice}</dt>
                      <dd>{l.content.price.text}</dd>
                    </>
                  )}
                  <dt>{msg.labels.battery}</dt>
                  <dd>{l.battery === null ? "—" : `${l.battery} %`}</dd>
                  <dt>{msg.labels.signal}</dt>
                  <dd>{l.rssi === null ? "—" : `${l.rssi} dBm`}</dd>
                  <dt>{msg.labels.lastSeen}</dt>
                  <dd>
                    {ago(l.lastSeen)} <span class="muted">{when(l.lastSeen)}</span>
                  </dd>
                  <dt>{msg.labels.panel}</dt>
                  <dd>
                    {l.model ?? "—"}
                    {l.width && l.height ? ` · ${l.width}×${l.height}` : ""}
                    {l.colors ? ` · ${l.colors.toUpperCase()}` : ""}
                    {l.bridgeId ? ` · ${l.bridgeId}` : ""}
                  </dd>
                </dl>
              </div>
            </div>
            {error && <ErrorBox error={error} />}
            {done && (
              <p role="status" class="done">
                {done}
              </p>
            )}
            <div class="actions">
              {session.can("POST /api/v1/labels/{labelId}/flash") && (
                <button
                  type="button"
                  onClick={() => act(() => api("POST", `/labels/${enc}/flash`, {}), msg.labels.flashed)}
                >
                  {msg.labels.flash}
                </button>
              )}
              {l.sku && session.can("DELETE /api/v1/labels/{labelId}/link") && (
                <button
                  type="button"
                  onClick={() => act(() => api("DELETE", `/labels/${enc}/link`), msg.labels.unlinkedDone)}
                >
                  {msg.labels.unlink}
                </button>
              )}
              {session.can("DELETE /api/v1/labels/{labelId}") && (
                <ConfirmButton
                  question={fill(msg.labels.confirmDelete, { id: labelId })}
                  action={async () => {
                    await api("DELETE", `/labels/${enc}`);
                    route("/labels");
                  }}
                  onError={setError}
                >
                  {msg.labels.delete}
                </ConfirmButton>
              )}
            </div>
            {session.can("PUT /api/v1/labels/{labelId}/link") && (
              <form
                class="form inline"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act(
                    () => api("PUT", `/labels/${enc}/link`, { sku: sku.trim() }),
                    fill(msg.labels.linkedTo, { sku: sku.trim() }),
                  );
                }}
              >
                <Field id="link-sku" label={l.sku ? msg.labels.relink : msg.labels.linkTo}>
                  <input id="link-sku" required value={sku} onInput={(e) => setSku(e.currentTarget.value)} />
                </Field>
                <button type="submit" class="primary">
                  {msg.labels.link}
                </button>
              </form>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
