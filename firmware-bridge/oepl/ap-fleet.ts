import { OeplApClient, type OeplApClientOptions, type OeplTag } from "./ap-client.ts";
import type { OeplLogger } from "./logger.ts";

/** One access point as the tag sync uses it: its client, its upload slots, its saved-DB view. */
export interface ApHandle {
  client: OeplApClient;
  activeUploads: number;
  savedMacs: string[];
  savedMacsAt: number;
}

export function apHandles(
  aps: ReadonlyArray<string | OeplApClient>,
  clientOptions: Omit<OeplApClientOptions, "baseUrl"> | undefined,
  logger: OeplLogger,
): ApHandle[] {
  return aps.map((ap) => ({
    client: typeof ap === "string" ? new OeplApClient({ ...clientOptions, baseUrl: ap, logger }) : ap,
    activeUploads: 0,
    savedMacs: [],
    savedMacsAt: Number.NEGATIVE_INFINITY,
  }));
}

/** A tag as one AP listed it, with the sequence number of the request that listed it. */
export interface SeenTag {
  ap: ApHandle;
  tag: OeplTag;
  seq: number;
}

/**
 * Every tag every AP lists now (one `/get_db` walk each, plus tags beyond its paging), by label id,
 * and which APs answered (a tag missing from an AP that did not answer has not left). A tag listed by
 * two APs belongs to the one where it is not external: a tag synced from another AP shows as external.
 */
export async function listTags(
  aps: readonly ApHandle[],
  deps: { nextSeq: () => number; now: () => number; savedDbRefreshMs: number; logger: OeplLogger },
): Promise<{ seen: Map<string, SeenTag>; answered: Set<ApHandle> }> {
  const seen = new Map<string, SeenTag>();
  const answered = new Set<ApHandle>();
  await Promise.all(
    aps.map(async (ap) => {
      try {
        const seq = deps.nextSeq();
        const { tags, truncated } = await ap.client.getDb();
        const all = truncated ? tags.concat(await tagsBeyondPaging(ap, tags, deps)) : tags;
        for (const tag of all) {
          const prior = seen.get(tag.mac);
          if (!prior || (prior.tag.isexternal && !tag.isexternal)) seen.set(tag.mac, { ap, tag, seq });
        }
        answered.add(ap);
      } catch (error) {
        deps.logger.warn("oepl: AP poll failed", { ap: ap.client.baseUrl, error });
      }
    }),
  );
  return { seen, answered };
}

/** `/get_db` pages stop at 255 tags: the rest are found in the AP's saved DB, read now and then. */
async function tagsBeyondPaging(
  ap: ApHandle,
  listed: OeplTag[],
  deps: { now: () => number; savedDbRefreshMs: number; logger: OeplLogger },
): Promise<OeplTag[]> {
  if (deps.now() - ap.savedMacsAt >= deps.savedDbRefreshMs) {
    try {
      ap.savedMacs = await ap.client.getSavedDbMacs();
      ap.savedMacsAt = deps.now();
    } catch (error) {
      deps.logger.warn("oepl: AP lists more than 255 tags and its saved DB could not be read", {
        ap: ap.client.baseUrl,
        error,
      });
    }
  }
  const have = new Set(listed.map((t) => t.mac));
  const found: OeplTag[] = [];
  for (const mac of ap.savedMacs) {
    if (have.has(mac)) continue;
    const tag = await ap.client.getTag(mac);
    if (tag) found.push(tag);
  }
  return found;
}
