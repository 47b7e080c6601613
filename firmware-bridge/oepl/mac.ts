/**
 * OpenEPaperLink tag MACs and Shelfsync label ids (DESIGN.md §3a): a tag's label id is its MAC as
 * 16 upper-case hex digits. The AP itself accepts 12 or 16 hex digits in any case and reads 12 as
 * `0000` + those; it always prints 16 upper-case digits, so that is the canonical form on both sides.
 */

export class OeplMacError extends Error {}

const HEX_12_OR_16 = /^(?:[0-9A-Fa-f]{12}|[0-9A-Fa-f]{16})$/;
const CANONICAL = /^[0-9A-F]{16}$/;

/** `:` and `-` separators are accepted for people typing MACs off a sticker; the AP accepts none. */
function stripSeparators(mac: string): string {
  return mac.trim().replace(/[:-]/g, "");
}

export function isValidMac(mac: string): boolean {
  return HEX_12_OR_16.test(stripSeparators(mac));
}

/** 12 or 16 hex digits (any case, optional `:`/`-`) → 16 upper-case hex digits. */
export function normalizeMac(mac: string): string {
  const bare = stripSeparators(mac);
  if (!HEX_12_OR_16.test(bare)) {
    throw new OeplMacError(`"${mac}" is not an OpenEPaperLink MAC (12 or 16 hex digits)`);
  }
  return (bare.length === 12 ? `0000${bare}` : bare).toUpperCase();
}

export function macToLabelId(mac: string): string {
  return normalizeMac(mac);
}

/** Label ids are exact strings, so only the canonical form names an OEPL tag. */
export function isOeplLabelId(labelId: string): boolean {
  return CANONICAL.test(labelId);
}

/** The MAC to send to the AP for a label id; throws for ids that are not canonical OEPL MACs. */
export function labelIdToMac(labelId: string): string {
  if (!isOeplLabelId(labelId)) {
    throw new OeplMacError(`label id "${labelId}" is not an OpenEPaperLink MAC (16 upper-case hex digits)`);
  }
  return labelId;
}
