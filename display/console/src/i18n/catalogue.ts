import en, { type Messages } from "./en.ts";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends string ? string : DeepPartial<T[K]> };

/**
 * A language's catalogue: its own words over English ones. A translation may lag behind a new
 * English string for a release; the page then shows that string in English rather than nothing.
 */
export function translate(words: DeepPartial<Messages> & { language: string }): Messages {
  const merge = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const b = base[k];
      out[k] =
        v && typeof v === "object" && b && typeof b === "object"
          ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
          : v;
    }
    return out;
  };
  return merge(en as unknown as Record<string, unknown>, words) as unknown as Messages;
}
