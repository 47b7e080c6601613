import bwipjs from "bwip-js";
import { isValidGtin } from "../../schemas/gtin.ts";

/** A linear retail barcode as module runs: bars and spaces alternate, starting with a bar. */
export interface LinearCode {
  symbology: "ean13" | "ean8";
  digits: string;
  /** Bar/space widths in modules, starting with a bar. */
  runs: number[];
  /** Total width in modules, without quiet zones. */
  modules: number;
  /** Bar indices (0-based among bars only) that are guard bars, drawn longer. */
  guards: number[];
}

/** A 2D code as a square module matrix, row-major, 1 = dark. */
export interface MatrixCode {
  size: number;
  modules: Uint8Array;
}

const linearCache = new Map<string, LinearCode | null>();
const matrixCache = new Map<string, MatrixCode | null>();
const CACHE_LIMIT = 5_000;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

/**
 * The point-of-sale barcode of a GTIN: EAN-13 for GTIN-13 (and GTIN-12 with a leading 0, and a
 * GTIN-14 whose indicator digit is 0), EAN-8 for GTIN-8. Undefined for anything without a valid
 * check digit or not scannable at a till.
 */
export function retailBarcode(gtin: string | undefined): LinearCode | undefined {
  if (!gtin) return undefined;
  const cached = linearCache.get(gtin);
  if (cached !== undefined) return cached ?? undefined;
  let code: LinearCode | null = null;
  if (isValidGtin(gtin)) {
    let digits = gtin;
    if (digits.length === 12) digits = `0${digits}`;
    if (digits.length === 14 && digits.startsWith("0")) digits = digits.slice(1);
    const symbology = digits.length === 13 ? "ean13" : digits.length === 8 ? "ean8" : undefined;
    if (symbology) {
      const [raw] = bwipjs.raw({ bcid: symbology, text: digits }) as { sbs: number[] }[];
      if (raw) {
        const modules = raw.sbs.reduce((a, b) => a + b, 0);
        const guards = symbology === "ean13" ? [0, 1, 14, 15, 28, 29] : [0, 1, 10, 11, 20, 21];
        code = { symbology, digits, runs: raw.sbs, modules, guards };
      }
    }
  }
  return remember(linearCache, gtin, code) ?? undefined;
}

/** QR code of a product URL (error correction M), or undefined if the URL cannot be encoded. */
export function qrCode(url: string | undefined): MatrixCode | undefined {
  if (!url) return undefined;
  const cached = matrixCache.get(url);
  if (cached !== undefined) return cached ?? undefined;
  let code: MatrixCode | null = null;
  try {
    const [raw] = bwipjs.raw("qrcode", url, "eclevel=M") as {
      pixs: number[];
      pixx: number;
      pixy: number;
    }[];
    if (raw && raw.pixx === raw.pixy) code = { size: raw.pixx, modules: Uint8Array.from(raw.pixs) };
  } catch {
    code = null;
  }
  return remember(matrixCache, url, code) ?? undefined;
}
