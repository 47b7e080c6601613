/**
 * The few words a label prints besides the product's own text. English by default; a store passes
 * its own (the money texts arrive already formatted for its locale). Plain strings with
 * `{price}`, `{date}` and `{percent}` placeholders, so they travel to render workers and into cache
 * keys as they are.
 */
export interface LabelStrings {
  sale: string;
  /** Omnibus (98/6/EC art. 6a) line: the lowest price in the 30 days before the reduction. */
  lowestPrice30Days: string;
  memberPrice: string;
  nonMemberPrice: string;
  singlePrice: string;
  outOfStock: string;
  lowStock: string;
  validUntil: string;
  /** Band text for a reduction: "−{percent} %". */
  percentOff: string;
}

export const ENGLISH: LabelStrings = {
  sale: "Sale",
  lowestPrice30Days: "Lowest price 30 days before: {price}",
  memberPrice: "Member price",
  nonMemberPrice: "Non-members: {price}",
  singlePrice: "Single item: {price}",
  outOfStock: "Out of stock",
  lowStock: "Only a few left",
  validUntil: "Until {date}",
  percentOff: "\u2212{percent} %",
};

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}
