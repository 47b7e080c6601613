import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { PlaneImage } from "../../display/render/index.ts";
import { type LabelContent, type LabelImage, PROTOCOL_VERSION } from "../../schemas/index.ts";

/**
 * The `…/label/{labelId}/image` payload for rendered planes: each plane raw-DEFLATE compressed
 * (RFC 1951, no zlib header: the smallest thing a microcontroller inflater takes) and base64-encoded.
 * E-paper planes are mostly white, so they compress 10–30×.
 */
export function imagePayload(
  labelId: string,
  content: LabelContent,
  image: PlaneImage,
  rotation: 0 | 90 | 180 | 270,
): LabelImage {
  return {
    v: PROTOCOL_VERSION,
    labelId,
    contentHash: content.contentHash,
    version: content.version,
    width: image.width,
    height: image.height,
    colors: image.colors,
    rotation,
    encoding: "deflate-raw+base64",
    planes: image.planes.map((plane) => deflateRawSync(plane, { level: 9 }).toString("base64")),
  };
}

/** The planes back from a payload (what a device does; used by tests and the docs' example). */
export function decodeImagePayload(image: LabelImage): Uint8Array[] {
  return image.planes.map((p) => new Uint8Array(inflateRawSync(Buffer.from(p, "base64"))));
}
