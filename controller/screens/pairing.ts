import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";

/**
 * Pairing a signage player, the way TVs pair with streaming apps: the unpaired player asks for a
 * code and shows it; someone with a manager or ops token types it into the console (accept); the
 * player, polling with a secret only it holds (the claim), then collects its own `screen` token.
 *
 * Pending pairings live in memory only: they last minutes, and a restart just makes the player ask
 * for a new code. The code alone gets nobody a token (the claim is needed too), and the claim alone
 * does nothing until a person accepts the code shown on that very screen.
 */

/** How long a code may be accepted, and then collected. */
export const PAIRING_TTL_MS = 10 * 60_000;
/** Pending pairings kept at most (an unauthenticated route fills this; the oldest go first). */
const MAX_PENDING = 256;

interface Pending {
  screenId: string;
  code: string;
  claimHash: Buffer;
  expiresAt: number;
  /** Set by accept: the name the screen will carry. */
  acceptedName: string | null;
}

const hashOf = (claim: string) => createHash("sha256").update(claim).digest();

export type ClaimOutcome =
  | { status: "pending"; expiresAt: number }
  | { status: "accepted"; name: string }
  | { status: "unknown" };

export function pairings(now: () => number = Date.now) {
  const byScreen = new Map<string, Pending>();

  const sweep = () => {
    const t = now();
    for (const [id, p] of byScreen) if (p.expiresAt <= t) byScreen.delete(id);
  };

  const newCode = (): string => {
    const taken = new Set([...byScreen.values()].map((p) => p.code));
    for (;;) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      if (!taken.has(code)) return code;
    }
  };

  return {
    /** A new code for this screen (replacing any pending one), and the claim secret that goes with it. */
    start(screenId: string): { code: string; claim: string; expiresAt: number } {
      sweep();
      byScreen.delete(screenId);
      while (byScreen.size >= MAX_PENDING) byScreen.delete(byScreen.keys().next().value as string);
      const claim = randomBytes(24).toString("base64url");
      const p: Pending = {
        screenId,
        code: newCode(),
        claimHash: hashOf(claim),
        expiresAt: now() + PAIRING_TTL_MS,
        acceptedName: null,
      };
      byScreen.set(screenId, p);
      return { code: p.code, claim, expiresAt: p.expiresAt };
    },

    /** A person accepts the code shown on this screen; false if no such pending code. */
    accept(screenId: string, code: string, name: string): boolean {
      sweep();
      const p = byScreen.get(screenId);
      if (!p || p.code !== code) return false;
      p.acceptedName = name;
      return true;
    },

    /**
     * The player asks whether its code was accepted. `accepted` is answered once: the pending
     * pairing is gone afterwards, so the token is minted exactly once.
     */
    claim(screenId: string, claim: string): ClaimOutcome {
      sweep();
      const p = byScreen.get(screenId);
      const h = hashOf(claim);
      if (!p || !timingSafeEqual(p.claimHash, h)) return { status: "unknown" };
      if (p.acceptedName === null) return { status: "pending", expiresAt: p.expiresAt };
      byScreen.delete(screenId);
      return { status: "accepted", name: p.acceptedName };
    },

    size: () => byScreen.size,
  };
}
export type Pairings = ReturnType<typeof pairings>;
