/**
 * The few words a label prints besides the product's own text. English by default; a store passes
 * its own (the money texts arrive already formatted for its locale).
 */
export interface LabelStrings {
  sale: string;
  /** Omnibus (98/6/EC art. 6a) line: the lowest price in the 30 days before the reduction. */
  lowestPrice30Days: (price: string) => string;
  memberPrice: string;
  nonMemberPrice: (price: string) => string;
  singlePrice: (price: string) => string;
  outOfStock: string;
  lowStock: string;
  validUntil: (date: string) => string;
  /** "−17 %" for a reduction whose promotion carries no text of its own. */
  percentOff: (percent: number) => string;
}

export const ENGLISH: LabelStrings = {
  sale: "Sale",
  lowestPrice30Days: (p) => `Lowest price 30 days before: ${p}`,
  memberPrice: "Member price",
  nonMemberPrice: (p) => `Non-members: ${p}`,
  singlePrice: (p) => `Single item: ${p}`,
  outOfStock: "Out of stock",
  lowStock: "Only a few left",
  validUntil: (d) => `Until ${d}`,
  percentOff: (n) => `\u2212${n} %`,
};
