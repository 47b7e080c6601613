import type {
  PairingClaimReply,
  PairingStartReply,
  Playing,
  PlayRecord,
  Show,
} from "../../../schemas/screens.ts";

/** The controller as the player talks to it: pairing (no token), then its own screen's routes. */

export class Unauthorized extends Error {}

const json = { "Content-Type": "application/json" };

export async function startPairing(screenId: string): Promise<PairingStartReply> {
  const res = await fetch(`/player/${encodeURIComponent(screenId)}/pairing`, { method: "POST" });
  if (!res.ok) throw new Error(`pairing: HTTP ${res.status}`);
  return res.json();
}

/** null = the pairing expired or is unknown (ask for a new code). */
export async function claimPairing(screenId: string, claim: string): Promise<PairingClaimReply | null> {
  const res = await fetch(`/player/${encodeURIComponent(screenId)}/pairing/claim`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ claim }),
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`pairing claim: HTTP ${res.status}`);
  return res.json();
}

export function screenApi(screenId: string, token: string) {
  const base = `/api/v1/screens/${encodeURIComponent(screenId)}`;
  const auth = { Authorization: `Bearer ${token}` };
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { ...auth, ...init.headers } });
    // Revoked, or the screen was removed: pair again.
    if (res.status === 401 || res.status === 404) throw new Unauthorized(`HTTP ${res.status}`);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res;
  };
  return {
    async show(): Promise<Show> {
      return (await call("/show", { cache: "no-store" })).json();
    },

    /**
     * Follow the show's event stream until it ends or `signal` aborts; every `show` event goes to
     * `onShow`. Server-sent events read with fetch(): EventSource cannot send the token.
     */
    async follow(onShow: (show: Show) => void, signal: AbortSignal): Promise<void> {
      const res = await call("/events", { signal, cache: "no-store" });
      if (!res.body) throw new Error("events: no body");
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          let data = "";
          for (const line of frame.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data += line.slice(5).trimStart();
          }
          if (event === "show" && data) onShow(JSON.parse(data) as Show);
          end = buffer.indexOf("\n\n");
        }
      }
    },

    async heartbeat(playing: Playing | null, errors: string[]): Promise<void> {
      await call("/heartbeat", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ playing, ...(errors.length ? { errors } : {}) }),
      });
    },

    async plays(plays: PlayRecord[]): Promise<void> {
      await call("/plays", { method: "POST", headers: json, body: JSON.stringify({ plays }) });
    },
  };
}
export type ScreenApi = ReturnType<typeof screenApi>;
