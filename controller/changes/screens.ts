import { type PlaylistItem, type Program, programOfItems } from "../../schemas/index.ts";
import type { Pairings } from "../screens/pairing.ts";
import type { Stores } from "../store/index.ts";
import { type Actor, actorLabel } from "./actor.ts";

/** The name of a screen's token: what the audit log records for what the player does. */
export const screenTokenName = (screenId: string) => `screen:${screenId}`;

export type ScreenChangeError = "no_pending_pairing" | "unknown_screen";

/**
 * Changes to signage screens, each written with its audit entry in one transaction: a person
 * accepting a pairing, the player collecting its token, a playlist set, a screen removed. Players
 * notice through the store's revision (controller/screens/live.ts), like every live view.
 */
export function screenChanges(deps: { stores: Stores; pairings: Pairings; now: () => number }) {
  const { stores, pairings } = deps;
  const { screens, tokens, audit } = stores;

  function setProgram(
    screenId: string,
    program: Program,
    by: Actor,
    action: "screen.program_set" | "screen.playlist_set",
  ): ScreenChangeError | null {
    const now = deps.now();
    return stores.transaction(() => {
      const before = screens.get(screenId);
      if (!before || !screens.setProgram(screenId, program)) return "unknown_screen";
      audit.record({
        at: now,
        actor: actorLabel(by),
        action,
        entity: "screen",
        entityId: screenId,
        before:
          action === "screen.playlist_set"
            ? { items: before.items, version: before.playlistVersion }
            : { program: before.program, version: before.playlistVersion },
        after:
          action === "screen.playlist_set"
            ? { items: program.zones[0]?.playlists[0]?.items ?? [], version: before.playlistVersion + 1 }
            : { program, version: before.playlistVersion + 1 },
      });
      return null;
    });
  }

  return {
    /** A person accepts the code a player shows: the screen exists (named) from now on. */
    acceptPairing(
      screenId: string,
      code: string,
      name: string | undefined,
      by: Actor,
    ): ScreenChangeError | null {
      const existing = screens.get(screenId);
      const shownName = name ?? existing?.name ?? screenId;
      if (!pairings.accept(screenId, code, shownName)) return "no_pending_pairing";
      const now = deps.now();
      stores.transaction(() => {
        screens.pair(screenId, shownName, now);
        audit.record({
          at: now,
          actor: actorLabel(by),
          action: "screen.paired",
          entity: "screen",
          entityId: screenId,
          ...(existing ? { before: { name: existing.name } } : {}),
          after: { name: shownName },
        });
      });
      return null;
    },

    /**
     * The accepted player collects its token: a new `screen` token named `screen:{screenId}`; a token
     * an earlier pairing of this screen held is revoked in the same transaction (one player per screen).
     */
    issueToken(screenId: string): string {
      const now = deps.now();
      const name = screenTokenName(screenId);
      return stores.transaction(() => {
        tokens.revoke(name, now);
        const token = tokens.create(name, "screen", now);
        audit.record({
          at: now,
          actor: name,
          action: "screen.token_issued",
          entity: "screen",
          entityId: screenId,
        });
        return token;
      });
    },

    /** The simplest show: one full-screen zone, one playlist (audited as `screen.playlist_set`). */
    setPlaylist(screenId: string, items: PlaylistItem[], by: Actor): ScreenChangeError | null {
      return setProgram(screenId, programOfItems(items), by, "screen.playlist_set");
    },

    /** Layout, zones and scheduled playlists; the player gets it over its event stream. */
    setProgram: (screenId: string, program: Program, by: Actor) =>
      setProgram(screenId, program, by, "screen.program_set"),

    /** Unpair: the screen's token is revoked at once and its record (with its playlist) removed. */
    removeScreen(screenId: string, by: Actor): ScreenChangeError | null {
      const now = deps.now();
      return stores.transaction(() => {
        const before = screens.get(screenId);
        if (!before) return "unknown_screen";
        screens.remove(screenId);
        tokens.revoke(screenTokenName(screenId), now);
        audit.record({
          at: now,
          actor: actorLabel(by),
          action: "screen.removed",
          entity: "screen",
          entityId: screenId,
          before: { name: before.name, program: before.program },
        });
        return null;
      });
    },
  };
}
export type ScreenChanges = ReturnType<typeof screenChanges>;
