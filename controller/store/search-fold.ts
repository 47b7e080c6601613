/**
 * Text as product search compares it: lower case, accents and other marks dropped, ß as ss, runs of
 * anything else collapsed to one space. "Bergkäse Würzig" and "bergkase wurzig" fold alike.
 */
export function searchFold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replaceAll("ß", "ss")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** What a product is found by besides its SKU and GTIN: its name and brand, folded. */
export const productSearchText = (name: string, brand: string | null | undefined): string =>
  searchFold(brand ? `${name} ${brand}` : name);
