import sharp from "sharp";

/** Pixels as the renderer hands them over: RGBA, 4 bytes a pixel, rows top to bottom. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export class OeplImageError extends Error {}

/**
 * Quality 95 keeps every pixel of a pure black/white/red/yellow picture within ~20 levels of its
 * colour, far inside the AP's nearest-colour mapping, so its dither gets clean input.
 */
export const DEFAULT_JPEG_QUALITY = 95;

/**
 * What the AP's decoder (TJpgDec, `jd_prepare`) accepts, and how sharp (libvips) is told to write
 * it: baseline SOF0 (`progressive: false`; `mozjpeg` off, whose defaults write progressive scans the
 * AP refuses as "invalid jpg"), three components all sampled 1x1 (`4:4:4`: chroma at full resolution
 * keeps red strokes one pixel wide red instead of pink), 8-bit quantisers, Huffman tables 0/1, every
 * segment under 512 bytes, EOI after the scan, no metadata. tests/oepl-jpeg.test.ts walks the
 * markers of what comes out.
 */
const JPEG_OPTIONS = {
  progressive: false,
  mozjpeg: false,
  chromaSubsampling: "4:4:4",
  trellisQuantisation: false,
  overshootDeringing: false,
  optimiseScans: false,
  optimiseCoding: true,
  force: true,
} as const;

/**
 * RGBA → JPEG at exactly the panel's width × height (the AP decodes into a sprite of the JPEG's own
 * size and does not check it, so a wrong size would silently misplace the picture). Transparent
 * pixels are composited on white, the colour of an e-paper panel at rest. The work runs on libuv's
 * thread pool, not on the event loop, so the bridge keeps answering MQTT and the APs while it encodes.
 */
export async function encodePanelJpeg(
  image: RgbaImage,
  panel: { width: number; height: number },
  options: { quality?: number } = {},
): Promise<Buffer> {
  if (image.width !== panel.width || image.height !== panel.height) {
    throw new OeplImageError(
      `image is ${image.width}×${image.height}, the panel wants ${panel.width}×${panel.height}`,
    );
  }
  const pixels = image.width * image.height;
  if (image.data.length !== pixels * 4) {
    throw new OeplImageError(`RGBA data has ${image.data.length} bytes, expected ${pixels * 4}`);
  }
  const raw = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return sharp(raw, { raw: { width: image.width, height: image.height, channels: 4 } })
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .jpeg({ quality: options.quality ?? DEFAULT_JPEG_QUALITY, ...JPEG_OPTIONS })
    .toBuffer();
}
