import {
  itemsOfProgram,
  type Playing,
  type PlaylistItem,
  type PlayRecord,
  type Program,
  programOfItems,
} from "../../schemas/index.ts";
import type { Db } from "./db.ts";

export interface ScreenRecord {
  screenId: string;
  name: string;
  pairedAt: number;
  /** The main zone's first playlist (the one-zone view of `program`). */
  items: PlaylistItem[];
  program: Program;
  playlistVersion: number;
  lastSeenAt: number | null;
  playing: Playing | null;
  errors: string[];
}

interface Row {
  screenId: string;
  name: string;
  pairedAt: number;
  playlistJson: string;
  playlistVersion: number;
  lastSeenAt: number | null;
  playingJson: string | null;
  errorsJson: string | null;
  programJson: string | null;
}

/** How many of a screen's reported errors are kept (the newest). */
const ERRORS_KEPT = 10;

const COLUMNS = `screen_id AS screenId, name, paired_at AS pairedAt, playlist_json AS playlistJson,
  playlist_version AS playlistVersion, last_seen_at AS lastSeenAt, playing_json AS playingJson,
  errors_json AS errorsJson, program_json AS programJson`;

const record = (r: Row): ScreenRecord => {
  const items = JSON.parse(r.playlistJson) as PlaylistItem[];
  return {
    screenId: r.screenId,
    name: r.name,
    pairedAt: r.pairedAt,
    items,
    program: r.programJson ? (JSON.parse(r.programJson) as Program) : programOfItems(items),
    playlistVersion: r.playlistVersion,
    lastSeenAt: r.lastSeenAt,
    playing: r.playingJson ? (JSON.parse(r.playingJson) as Playing) : null,
    errors: r.errorsJson ? (JSON.parse(r.errorsJson) as string[]) : [],
  };
};

/** Paired signage screens, their playlists and last heartbeats, and proof of play. */
export function screenStore(db: Db) {
  const sql = db.$client;
  const all = sql.prepare<[], Row>(`SELECT ${COLUMNS} FROM screens ORDER BY screen_id`);
  const one = sql.prepare<[string], Row>(`SELECT ${COLUMNS} FROM screens WHERE screen_id = ?`);
  // Pairing again keeps the playlist: a replaced player box shows what the old one did.
  const upsert = sql.prepare(
    `INSERT INTO screens (screen_id, name, paired_at) VALUES (?, ?, ?)
     ON CONFLICT (screen_id) DO UPDATE SET name = excluded.name, paired_at = excluded.paired_at,
       last_seen_at = NULL, playing_json = NULL, errors_json = NULL`,
  );
  const setProgram = sql.prepare(
    `UPDATE screens SET playlist_json = ?, program_json = ?, playlist_version = playlist_version + 1
     WHERE screen_id = ?`,
  );
  const seen = sql.prepare(
    "UPDATE screens SET last_seen_at = ?, playing_json = ?, errors_json = ? WHERE screen_id = ?",
  );
  const remove = sql.prepare("DELETE FROM screens WHERE screen_id = ?");
  const prune = sql.prepare("DELETE FROM screen_plays WHERE received_at < ?");
  const insertPlay = sql.prepare(
    `INSERT INTO screen_plays (play_id, screen_id, item_index, kind, sku, content_hash, zone, playlist, start_at, end_at,
       received_at)
     VALUES (@id, @screenId, @index, @kind, @sku, @contentHash, @zone, @playlist, @start, @end, @now)
     ON CONFLICT (play_id) DO NOTHING`,
  );
  const playsOf = sql.prepare<
    [string, number],
    {
      id: string;
      index: number;
      kind: string;
      sku: string | null;
      contentHash: string | null;
      zone: string | null;
      playlist: string | null;
      start: number;
      end: number;
    }
  >(
    `SELECT play_id AS id, item_index AS "index", kind, sku, content_hash AS contentHash, zone, playlist,
       start_at AS start,
       end_at AS "end" FROM screen_plays WHERE screen_id = ? ORDER BY start_at, play_id LIMIT ?`,
  );

  return {
    list: (): ScreenRecord[] => all.all().map(record),
    get: (screenId: string): ScreenRecord | undefined => {
      const r = one.get(screenId);
      return r ? record(r) : undefined;
    },
    pair(screenId: string, name: string, now: number): void {
      upsert.run(screenId, name, now);
    },
    /** Replace the program (the playlist route sets a one-zone one); false if there is no such screen. */
    setProgram(screenId: string, program: Program): boolean {
      const items = itemsOfProgram(program);
      return setProgram.run(JSON.stringify(items), JSON.stringify(program), screenId).changes > 0;
    },
    /** A heartbeat: when, what is playing, and any errors the player reported (appended). */
    heartbeat(screenId: string, now: number, playing: Playing | null, errors: string[] = []): boolean {
      const current = one.get(screenId);
      if (!current) return false;
      const kept = [...(current.errorsJson ? (JSON.parse(current.errorsJson) as string[]) : []), ...errors];
      const trimmed = kept.slice(-ERRORS_KEPT);
      seen.run(
        now,
        playing ? JSON.stringify(playing) : null,
        trimmed.length ? JSON.stringify(trimmed) : null,
        screenId,
      );
      return true;
    },
    remove: (screenId: string): boolean => remove.run(screenId).changes > 0,
    /** Store proof-of-play records; one already stored (same id) is counted as a duplicate. */
    addPlays(screenId: string, plays: PlayRecord[], now: number): { stored: number; duplicates: number } {
      let stored = 0;
      sql
        .transaction(() => {
          for (const p of plays) {
            stored += insertPlay.run({
              id: p.id,
              screenId,
              index: p.index,
              kind: p.kind,
              sku: p.sku ?? null,
              contentHash: p.contentHash ?? null,
              zone: p.zone ?? null,
              playlist: p.playlist ?? null,
              start: Date.parse(p.start),
              end: Date.parse(p.end),
              now,
            }).changes;
          }
        })
        .immediate();
      return { stored, duplicates: plays.length - stored };
    },
    plays: (screenId: string, limit = 1000) => playsOf.all(screenId, limit),
    /** Delete proof of play received before `before` (retention); returns how many went. */
    prunePlays: (before: number): number => prune.run(before).changes,
  };
}
export type ScreenStore = ReturnType<typeof screenStore>;
