import { useState } from "preact/hooks";
import type {
  MediaReply,
  PlaylistItem,
  ProgramInput,
  ScreenReply,
  WindowRule,
} from "../../../../schemas/index.ts";
import { LAYOUTS, type LayoutName, type ZoneName } from "../../../../schemas/screen-layouts.ts";
import { type ApiError, api, get, upload } from "../api.ts";
import { fill, locale, msg } from "../i18n/index.ts";
import { asApiError, ErrorBox, Field, fieldError, useLoad, useSession } from "../ui.tsx";

type Kind = PlaylistItem["kind"];
const KINDS = ["price", "promotion", "image", "video", "text", "html"] as const satisfies readonly Kind[];
/** The one field each kind has besides its seconds. */
export const VALUE_FIELD = {
  price: "sku",
  promotion: "promotionId",
  image: "url",
  video: "url",
  text: "text",
  html: "html",
} as const satisfies Record<Kind, string>;

export interface ItemRow {
  kind: Kind;
  value: string;
  seconds: string;
}
interface PlaylistForm {
  name: string;
  priority: string;
  days: number[];
  from: string;
  to: string;
  startDate: string;
  endDate: string;
  items: ItemRow[];
}

export const toItemRow = (i: PlaylistItem): ItemRow => ({
  kind: i.kind,
  value: String((i as Record<string, unknown>)[VALUE_FIELD[i.kind]] ?? ""),
  seconds: i.seconds === undefined ? "" : String(i.seconds),
});
/** A row as the API's item; an empty seconds field is left out (the API names what it needs). */
export const toItem = (r: ItemRow): Record<string, unknown> => {
  const seconds = r.seconds.trim() === "" ? undefined : Number(r.seconds);
  const field = VALUE_FIELD[r.kind];
  const value = field === "text" || field === "html" ? r.value : r.value.trim();
  return { kind: r.kind, [field]: value, ...(seconds === undefined ? {} : { seconds }) };
};

const toForm = (p: ProgramInput["zones"][number]["playlists"][number]): PlaylistForm => ({
  name: p.name,
  priority: String(p.priority ?? 0),
  days: p.when?.days ?? [],
  from: p.when?.from ?? "",
  to: p.when?.to ?? "",
  startDate: p.when?.startDate ?? "",
  endDate: p.when?.endDate ?? "",
  items: p.items.map(toItemRow),
});
const toPlaylist = (f: PlaylistForm) => {
  const when: WindowRule = {
    ...(f.days.length ? { days: [...f.days].sort() } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
    ...(f.startDate ? { startDate: f.startDate } : {}),
    ...(f.endDate ? { endDate: f.endDate } : {}),
  };
  return {
    name: f.name,
    priority: f.priority.trim() === "" ? 0 : Number(f.priority),
    ...(Object.keys(when).length ? { when } : {}),
    items: f.items.map(toItem),
  };
};
const emptyPlaylist = (name: string): PlaylistForm => ({
  name,
  priority: "0",
  days: [],
  from: "",
  to: "",
  startDate: "",
  endDate: "",
  items: [],
});

/** Weekday names in the store's language, Monday first (ISO 1–7): no catalogue needed. */
const weekdays = () => {
  const f = new Intl.DateTimeFormat(locale(), { weekday: "short", timeZone: "UTC" });
  // 2024-01-01 was a Monday.
  return [1, 2, 3, 4, 5, 6, 7].map((d) => f.format(new Date(Date.UTC(2024, 0, d))));
};

/**
 * A screen's program (layout, zones, scheduled playlists): one fieldset per zone of the layout, one
 * card per playlist with its schedule (weekdays, times, dates, priority) and its items. Errors come
 * back by field path (`zones.0.playlists.1.when.from`) and are shown beside that field.
 */
export function ProgramEditor({ screen, onSaved }: { screen: ScreenReply; onSaved: () => void }) {
  const [layout, setLayout] = useState<LayoutName>(screen.program.layout);
  const [zones, setZones] = useState<Record<string, PlaylistForm[]>>(() =>
    Object.fromEntries(screen.program.zones.map((z) => [z.zone, z.playlists.map(toForm)])),
  );
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<number | null>(null);
  const days = weekdays();
  const shown: readonly ZoneName[] = LAYOUTS[layout];
  const setPlaylist = (zone: string, i: number, patch: Partial<PlaylistForm>) =>
    setZones((zs) => ({ ...zs, [zone]: (zs[zone] ?? []).map((p, j) => (j === i ? { ...p, ...patch } : p)) }));
  const setItem = (zone: string, i: number, k: number, patch: Partial<ItemRow>) =>
    setZones((zs) => ({
      ...zs,
      [zone]: (zs[zone] ?? []).map((p, j) =>
        j === i ? { ...p, items: p.items.map((r, l) => (l === k ? { ...r, ...patch } : r)) } : p,
      ),
    }));
  const sid = screen.screenId;
  return (
    <form
      class="card form program"
      data-program={sid}
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(null);
        try {
          const r = await api<ScreenReply>("PUT", `/screens/${encodeURIComponent(sid)}/program`, {
            layout,
            zones: shown.map((zone) => ({ zone, playlists: (zones[zone] ?? []).map(toPlaylist) })),
          });
          setSaved(r.playlistVersion);
          onSaved();
        } catch (x) {
          setError(asApiError(x));
        }
      }}
    >
      <h2>{fill(msg.screens.programOf, { name: screen.name })}</h2>
      <Field id={`layout-${sid}`} label={msg.screens.layout}>
        <select
          id={`layout-${sid}`}
          value={layout}
          onChange={(e) => setLayout(e.currentTarget.value as LayoutName)}
        >
          {(Object.keys(LAYOUTS) as LayoutName[]).map((l) => (
            <option key={l} value={l}>
              {msg.screens.layouts[l]}
            </option>
          ))}
        </select>
      </Field>
      {shown.map((zone, zi) => (
        <fieldset key={zone} data-zone={zone}>
          <legend>{msg.screens.zones[zone]}</legend>
          {(zones[zone] ?? []).map((p, pi) => {
            const id = `pl-${sid}-${zone}-${pi}`;
            const path = `zones.${zi}.playlists.${pi}`;
            return (
              <div class="card" key={id} data-playlist={p.name}>
                <Field
                  id={`${id}-name`}
                  label={msg.screens.playlistName}
                  error={fieldError(error, `${path}.name`)}
                >
                  <input
                    id={`${id}-name`}
                    value={p.name}
                    onInput={(e) => setPlaylist(zone, pi, { name: e.currentTarget.value })}
                  />
                </Field>
                <Field
                  id={`${id}-priority`}
                  label={msg.screens.priority}
                  hint={msg.screens.priorityHint}
                  error={fieldError(error, `${path}.priority`)}
                >
                  <input
                    id={`${id}-priority`}
                    inputMode="numeric"
                    value={p.priority}
                    onInput={(e) => setPlaylist(zone, pi, { priority: e.currentTarget.value })}
                  />
                </Field>
                <fieldset class="days">
                  <legend>{msg.screens.days}</legend>
                  {days.map((name, d) => (
                    <label key={name}>
                      <input
                        type="checkbox"
                        id={`${id}-day-${d + 1}`}
                        checked={p.days.includes(d + 1)}
                        onChange={(e) =>
                          setPlaylist(zone, pi, {
                            days: e.currentTarget.checked
                              ? [...p.days, d + 1]
                              : p.days.filter((x) => x !== d + 1),
                          })
                        }
                      />{" "}
                      {name}
                    </label>
                  ))}
                </fieldset>
                {(
                  [
                    ["from", "time", msg.screens.from],
                    ["to", "time", msg.screens.to],
                    ["startDate", "date", msg.screens.startDate],
                    ["endDate", "date", msg.screens.endDate],
                  ] as const
                ).map(([key, type, label]) => (
                  <Field
                    key={key}
                    id={`${id}-${key}`}
                    label={label}
                    error={fieldError(error, `${path}.when.${key}`)}
                  >
                    <input
                      id={`${id}-${key}`}
                      type={type}
                      value={p[key]}
                      onInput={(e) => setPlaylist(zone, pi, { [key]: e.currentTarget.value })}
                    />
                  </Field>
                ))}
                {p.items.map((r, k) => {
                  const iid = `${id}-item-${k}`;
                  return (
                    <div class="item-row" key={iid}>
                      <Field
                        id={`${iid}-kind`}
                        label={msg.screens.kind}
                        error={fieldError(error, `${path}.items.${k}.kind`)}
                      >
                        <select
                          id={`${iid}-kind`}
                          value={r.kind}
                          onChange={(e) => setItem(zone, pi, k, { kind: e.currentTarget.value as Kind })}
                        >
                          {KINDS.map((kind) => (
                            <option key={kind} value={kind}>
                              {msg.screens.kinds[kind]}
                            </option>
                          ))}
                        </select>
                      </Field>
                      <Field
                        id={`${iid}-value`}
                        label={msg.screens.value}
                        error={fieldError(error, `${path}.items.${k}.${VALUE_FIELD[r.kind]}`)}
                      >
                        {r.kind === "html" ? (
                          <textarea
                            id={`${iid}-value`}
                            value={r.value}
                            onInput={(e) => setItem(zone, pi, k, { value: e.currentTarget.value })}
                          />
                        ) : (
                          <input
                            id={`${iid}-value`}
                            value={r.value}
                            onInput={(e) => setItem(zone, pi, k, { value: e.currentTarget.value })}
                          />
                        )}
                      </Field>
                      <Field
                        id={`${iid}-seconds`}
                        label={msg.screens.seconds}
                        error={fieldError(error, `${path}.items.${k}.seconds`)}
                      >
                        <input
                          id={`${iid}-seconds`}
                          inputMode="numeric"
                          value={r.seconds}
                          onInput={(e) => setItem(zone, pi, k, { seconds: e.currentTarget.value })}
                        />
                      </Field>
                      <button
                        type="button"
                        onClick={() => setPlaylist(zone, pi, { items: p.items.filter((_, l) => l !== k) })}
                      >
                        {msg.screens.removeItem}
                      </button>
                    </div>
                  );
                })}
                <p>
                  <button
                    type="button"
                    onClick={() =>
                      setPlaylist(zone, pi, {
                        items: [...p.items, { kind: "price", value: "", seconds: "" }],
                      })
                    }
                  >
                    {msg.screens.addItem}
                  </button>{" "}
                  <button
                    type="button"
                    class="danger"
                    onClick={() =>
                      setZones((zs) => ({ ...zs, [zone]: (zs[zone] ?? []).filter((_, j) => j !== pi) }))
                    }
                  >
                    {msg.screens.removePlaylist}
                  </button>
                </p>
              </div>
            );
          })}
          <button
            type="button"
            onClick={() =>
              setZones((zs) => ({
                ...zs,
                [zone]: [
                  ...(zs[zone] ?? []),
                  emptyPlaylist(`${msg.screens.zones[zone]} ${(zs[zone]?.length ?? 0) + 1}`),
                ],
              }))
            }
          >
            {msg.screens.addPlaylist}
          </button>
        </fieldset>
      ))}
      <p>
        <button type="submit" class="primary">
          {msg.screens.saveProgram}
        </button>
      </p>
      <SaveOutcome error={error} saved={saved} />
    </form>
  );
}

/** Media for playlists: upload (manager, ops) and the list with each file's URL for image and video items. */
export function MediaLibrary() {
  const session = useSession();
  const list = useLoad((signal) => get<MediaReply[]>("/screens/media", signal), []);
  const [error, setError] = useState<ApiError | null>(null);
  const [uploaded, setUploaded] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const canUpload = session.can("POST /api/v1/screens/media");
  return (
    <section class="card media" data-media-library>
      <h2>{msg.screens.media}</h2>
      {canUpload && (
        <Field id="media-file" label={msg.screens.upload} hint={msg.screens.uploadHint}>
          <input
            id="media-file"
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp,video/mp4,video/webm"
            onChange={async (e) => {
              const file = e.currentTarget.files?.[0];
              if (!file) return;
              setError(null);
              setUploaded(null);
              try {
                const m = await upload<MediaReply>(
                  `/screens/media?name=${encodeURIComponent(file.name)}`,
                  file,
                  "application/octet-stream",
                  (sent, total) => setProgress(total ? Math.round((100 * sent) / total) : null),
                ).done;
                setProgress(null);
                setUploaded(m.name);
                list.reload();
              } catch (x) {
                setProgress(null);
                setError(asApiError(x));
              }
            }}
          />
          {progress !== null && <progress max={100} value={progress} />}
        </Field>
      )}
      {error && <ErrorBox error={error} />}
      {uploaded && <p role="status">{fill(msg.screens.uploaded, { name: uploaded })}</p>}
      {list.value && list.value.length === 0 && <p class="hint">{msg.screens.noMedia}</p>}
      <ul class="media-list">
        {list.value?.map((m) => (
          <li key={m.hash} data-media={m.hash}>
            {m.type.startsWith("image/") ? <img src={m.url} alt="" width={64} /> : <span>▶</span>} {m.name}{" "}
            <small>
              {Math.ceil(m.size / 1024)} KiB · <code>{m.url}</code>
            </small>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Under a screen form: the refusal with its fields, or the version the save made. */
export function SaveOutcome({ error, saved }: { error: ApiError | null; saved: number | null }) {
  return (
    <>
      {error && <ErrorBox error={error} />}
      {saved !== null && <p role="status">{fill(msg.screens.saved, { version: saved })}</p>}
    </>
  );
}
