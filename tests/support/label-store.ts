import { openStores } from "../../controller/store/index.ts";

/**
 * A store file with `count` labels named `<prefix>000`…, registered under bridge "ap" (the bulk
 * write tests open two alike: one written in bulk, one one label at a time as the oracle).
 */
export function storeWithLabels(path: string, prefix: string, count: number) {
  const stores = openStores(path);
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);
  stores.labels.upsertDescriptors(
    ids.map((labelId) => ({ labelId })),
    "ap",
    1,
  );
  return { stores, ids };
}
