/** GTIN-8/12/13/14 with a valid GS1 check digit (the same rule as schemas/gtin.ts, imported there). */
export { isValidGtin } from "../../../schemas/gtin.ts";

/**
 * What a scanned code most likely is. A keyboard-wedge scanner types a code and Enter; a label's code
 * is its id (letters, digits, `._-`), a product's is its GTIN. A code with a valid GTIN check digit is
 * looked up as a product first; anything else as a label first (and as a SKU after that).
 */
export type Guess = "gtin" | "label";
export const guess = (code: string, isGtin: (c: string) => boolean): Guess =>
  isGtin(code) ? "gtin" : "label";
