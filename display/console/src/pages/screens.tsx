import { useEffect, useState } from "preact/hooks";
import type { PlaylistItem, ScreenReply } from "../../../../schemas/index.ts";
import { type ApiError, api, get } from "../api.ts";
import { ago } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import {
  asApiError,
  ConfirmButton,
  ErrorBox,
  Field,
  fieldError,
  PageTitle,
  Show,
  Table,
  useLoad,
  useSession,
} from "../ui.tsx";
import {
  type ItemRow,
  MediaLibrary,
  ProgramEditor,
  SaveOutcome,
  toItem,
  toItemRow as toRow,
  VALUE_FIELD,
} from "./screen-program.tsx";

/** The list is read again this often: a screen that stops beating shows offline within 30 s. */
const REFRESH_MS = 5_000;

type Kind = PlaylistItem["kind"];
type Row = ItemRow;

const KINDS = ["price", "promotion", "image", "video", "text", "html"] as const satisfies readonly Kind[];

function PlaylistEditor({ screen, onSaved }: { screen: ScreenReply; onSaved: () => void }) {
  const [rows, setRows] = useState<Row[]>(() => screen.items.map(toRow));
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<number | null>(null);
  const set = (i: number, patch: Partial<Row>) =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <form
      class="card form playlist"
      data-playlist={screen.screenId}
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(null);
        try {
          const r = await api<ScreenReply>(
            "PUT",
            `/screens/${encodeURIComponent(screen.screenId)}/playlist`,
            {
              items: rows.map(toItem),
            },
          );
          setSaved(r.playlistVersion);
          onSaved();
        } catch (x) {
          setError(asApiError(x));
        }
      }}
    >
      <h2>{fill(msg.screens.playlistOf, { name: screen.name })}</h2>
      {rows.map((r, i) => {
        const id = `item-${screen.screenId}-${i}`;
        return (
          <div class="row3" key={id}>
            <Field id={`${id}-kind`} label={msg.screens.kind} error={fieldError(error, `items.${i}.kind`)}>
              <select
                id={`${id}-kind`}
                value={r.kind}
                onChange={(e) => set(i, { kind: e.currentTarget.value as Kind })}
              >
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {msg.screens.kinds[k]}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id={`${id}-value`}
              label={msg.screens.value}
              error={fieldError(error, `items.${i}.${VALUE_FIELD[r.kind]}`)}
            >
              <input
                id={`${id}-value`}
                value={r.value}
                onInput={(e) => set(i, { value: e.currentTarget.value })}
              />
            </Field>
            <Field
              id={`${id}-seconds`}
              label={msg.screens.seconds}
              error={fieldError(error, `items.${i}.seconds`)}
            >
              <input
                id={`${id}-seconds`}
                inputMode="numeric"
                value={r.seconds}
                onInput={(e) => set(i, { seconds: e.currentTarget.value })}
              />
            </Field>
            <button type="button" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
              {msg.screens.removeItem}
            </button>
          </div>
        );
      })}
      <p>
        <button
          type="button"
          onClick={() => setRows((rs) => [...rs, { kind: "price", value: "", seconds: "" }])}
        >
          {msg.screens.addItem}
        </button>{" "}
        <button type="submit" class="primary">
          {msg.screens.save}
        </button>
      </p>
      <SaveOutcome error={error} saved={saved} />
    </form>
  );
}

/**
 * Signage screens (issue 11): which are online and what each plays now, pairing a new one with the
 * code its player shows, each screen's playlist, removing a screen. Read again every 5 s.
 */
export function Screens() {
  const session = useSession();
  const list = useLoad((signal) => get<ScreenReply[]>("/screens", signal), []);
  const [editing, setEditing] = useState<string | null>(null);
  const [programming, setProgramming] = useState<string | null>(null);
  const [pair, setPair] = useState({ screenId: "", code: "", name: "" });
  const [error, setError] = useState<ApiError | null>(null);
  const [paired, setPaired] = useState<string | null>(null);
  useEffect(() => {
    const t = setInterval(() => list.reload(), REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  const canPair = session.can("POST /api/v1/screens/{screenId}/accept");
  const canEdit = session.can("PUT /api/v1/screens/{screenId}/playlist");
  const canRemove = session.can("DELETE /api/v1/screens/{screenId}");
  return (
    <section>
      <PageTitle>{msg.nav.screens}</PageTitle>
      {canPair && (
        <form
          class="card form"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setPaired(null);
            try {
              const r = await api<ScreenReply>(
                "POST",
                `/screens/${encodeURIComponent(pair.screenId.trim())}/accept`,
                {
                  code: pair.code.trim(),
                  ...(pair.name.trim() ? { name: pair.name.trim() } : {}),
                },
              );
              setPaired(r.name);
              setPair({ screenId: "", code: "", name: "" });
              list.reload();
            } catch (x) {
              setError(asApiError(x));
            }
          }}
        >
          <h2>{msg.screens.pairTitle}</h2>
          <p class="hint">{msg.screens.pairHint}</p>
          <div class="row3">
            <Field id="screen-id" label={msg.screens.screenId}>
              <input
                id="screen-id"
                required
                value={pair.screenId}
                onInput={(e) => setPair({ ...pair, screenId: e.currentTarget.value })}
              />
            </Field>
            <Field id="screen-code" label={msg.screens.code} error={fieldError(error, "code")}>
              <input
                id="screen-code"
                required
                inputMode="numeric"
                value={pair.code}
                onInput={(e) => setPair({ ...pair, code: e.currentTarget.value })}
              />
            </Field>
            <Field id="screen-name" label={msg.screens.name}>
              <input
                id="screen-name"
                value={pair.name}
                onInput={(e) => setPair({ ...pair, name: e.currentTarget.value })}
              />
            </Field>
          </div>
          <button type="submit" class="primary">
            {msg.screens.pairSubmit}
          </button>
          {error && <ErrorBox error={error} />}
          {paired && <p role="status">{fill(msg.screens.paired, { name: paired })}</p>}
        </form>
      )}
      <Show loaded={list}>
        {(screens) => (
          <Table
            rows={screens}
            empty={msg.screens.none}
            columns={[
              msg.screens.name,
              msg.screens.state,
              msg.screens.lastSeen,
              msg.screens.playing,
              msg.screens.playlist,
            ]}
            actions
            row={(s) => (
              <tr key={s.screenId} data-screen={s.screenId} data-online={String(s.online)}>
                <td>
                  {s.name}
                  <br />
                  <small>{s.screenId}</small>
                </td>
                <td>
                  <span class={`badge ${s.online ? "s-in_sync" : "s-offline"}`}>
                    {s.online ? msg.screens.online : msg.screens.offline}
                  </span>
                  {s.errors.length > 0 && (
                    <small class="hint" title={s.errors.join("\n")}>
                      {" "}
                      {fill(msg.screens.errors, { n: s.errors.length })}
                    </small>
                  )}
                </td>
                <td>{s.lastSeen ? ago(s.lastSeen) : msg.screens.never}</td>
                <td>
                  {s.playing
                    ? `${msg.screens.kinds[s.playing.kind]}${s.playing.sku ? ` ${s.playing.sku}` : ""}`
                    : "—"}
                </td>
                <td>{fill(msg.screens.items, { n: s.items.length })}</td>
                <td>
                  {canEdit && (
                    <button
                      type="button"
                      onClick={() => setEditing(editing === s.screenId ? null : s.screenId)}
                    >
                      {msg.screens.edit}
                    </button>
                  )}{" "}
                  {session.can("PUT /api/v1/screens/{screenId}/program") && (
                    <button
                      type="button"
                      onClick={() => setProgramming(programming === s.screenId ? null : s.screenId)}
                    >
                      {msg.screens.program}
                    </button>
                  )}{" "}
                  {canRemove && (
                    <ConfirmButton
                      question={fill(msg.screens.confirmRemove, { name: s.name })}
                      action={async () => {
                        await api("DELETE", `/screens/${encodeURIComponent(s.screenId)}`);
                        list.reload();
                      }}
                      onError={setError}
                    >
                      {msg.screens.remove}
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            )}
          />
        )}
      </Show>
      {editing &&
        list.value
          ?.filter((s) => s.screenId === editing)
          .map((s) => <PlaylistEditor key={s.screenId} screen={s} onSaved={() => list.reload()} />)}
      {programming &&
        list.value
          ?.filter((s) => s.screenId === programming)
          .map((s) => <ProgramEditor key={s.screenId} screen={s} onSaved={() => list.reload()} />)}
      <MediaLibrary />
    </section>
  );
}
