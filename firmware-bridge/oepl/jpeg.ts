import jpeg from "jpeg-js";

/** Pixels as the renderer hands them over: RGBA, 4 bytes a pixel, rows top to bottom. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export class OeplImageError extends Error {}

/**
 * jpeg-js writes exactly what the AP's decoder (TJpgDec) accepts: baseline SOF0, three components all
 * sampled 1x1, 8-bit quantisers, Huffman tables 0/1, no segment above 418 bytes, EOI after the scan
 * (checked marker by marker in tests/oepl-jpeg.test.ts). Chroma at full resolution matters here: red
 * strokes one pixel wide stay red instead of bleeding into pink.
 *
 * Quality 95 keeps every pixel of a pure black/white/red/yellow picture within ~20 levels of its
 * colour, far inside the AP's nearest-colour mapping, so its dither gets clean input.
 */
export const DEFAULT_JPEG_QUALITY = 95;

/**
 * RGBA → JPEG at exactly the panel's width × height (the AP decodes into a sprite of the JPEG's own
 * size and does not check it, so a wrong size would silently misplace the picture). Transparent
 * pixels are composited on white, the colour of an e-paper panel at rest.
 */
export function encodePanelJpeg(
  image: RgbaImage,
  panel: { width: number; height: number },
  options: { quality?: number } = {},
): Buffer {
  if (image.width !== panel.width || image.height !== panel.height) {
    throw new OeplImageError(
      `image is ${image.width}×${image.height}, the panel wants ${panel.width}×${panel.height}`,
    );
  }
  const pixels = image.width * image.height;
  if (image.data.length !== pixels * 4) {
    throw new OeplImageError(`RGBA data has ${image.data.length} bytes, expected ${pixels * 4}`);
  }
  const flat = Buffer.alloc(pixels * 4);
  for (let i = 0; i < pixels * 4; i += 4) {
    const alpha = image.data[i + 3]!;
    for (let c = 0; c < 3; c++) {
      flat[i + c] = Math.round((image.data[i + c]! * alpha + 255 * (255 - alpha)) / 255);
    }
    flat[i + 3] = 255;
  }
  const quality = options.quality ?? DEFAULT_JPEG_QUALITY;
  return jpeg.encode({ data: flat, width: image.width, height: image.height }, quality).data;
}
