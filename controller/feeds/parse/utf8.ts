/**
 * Offset of the first byte in `bytes` that cannot be UTF-8, or -1 if none is visible in this chunk
 * (the fault was then in bytes carried over from the previous one). Only called after a fatal
 * TextDecoder has refused the chunk, to put a line number on the error; up to three leading
 * continuation bytes are taken to finish a character begun in the previous chunk.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n && i < 3 && (bytes[i]! & 0xc0) === 0x80) i++;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) {
      need = 2;
      lo = 0xa0; // overlong
    } else if (b === 0xed) {
      need = 2;
      hi = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) {
      need = 3;
      lo = 0x90; // overlong
    } else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) {
      need = 3;
      hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return -1;
      const c = bytes[i + k]!;
      if (c < lo || c > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

export function countLineFeeds(bytes: Uint8Array, end: number): number {
  let count = 0;
  let i = bytes.indexOf(10);
  while (i >= 0 && i < end) {
    count++;
    i = bytes.indexOf(10, i + 1);
  }
  return count;
}
