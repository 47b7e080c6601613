import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { MediaRecord, MediaStore } from "../store/media.ts";

/**
 * Media for screens (images and videos a playlist plays), uploaded by a manager and stored on disk
 * beside the database as `media/{sha256}.{ext}`: the same bytes uploaded twice are one file, and a
 * file's URL never changes content, so players and their service worker may cache it for good.
 *
 * The type is read from the file's first bytes (its magic number), never from the name or the
 * Content-Type the client sent: a file that is none of the kinds below is refused. SVG is not
 * taken (it can carry scripts), nor is HTML (HTML slides are items, drawn sandboxed).
 */

export interface MediaType {
  type: string;
  ext: string;
}

const startsWith = (b: Uint8Array, bytes: readonly number[], at = 0) =>
  b.length >= at + bytes.length && bytes.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The kind of file from its first 16 bytes, or null. */
export function sniffMedia(head: Uint8Array): MediaType | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { type: "image/png", ext: "png" };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { type: "image/jpeg", ext: "jpg" };
  if (startsWith(head, ascii("GIF87a")) || startsWith(head, ascii("GIF89a")))
    return { type: "image/gif", ext: "gif" };
  if (startsWith(head, ascii("RIFF")) && startsWith(head, ascii("WEBP"), 8))
    return { type: "image/webp", ext: "webp" };
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { type: "video/webm", ext: "webm" };
  // ISO base media (MP4): a box size, then "ftyp".
  if (startsWith(head, ascii("ftyp"), 4)) return { type: "video/mp4", ext: "mp4" };
  return null;
}

export const MEDIA_EXT: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "video/webm": "webm",
  "video/mp4": "mp4",
};

export type UploadOutcome =
  | { ok: true; media: MediaRecord; url: string; created: boolean }
  | { ok: false; error: "media_too_large" | "unsupported_media" | "empty_body"; message: string };

export const mediaUrl = (m: Pick<MediaRecord, "hash" | "type">) =>
  `/player/media/${m.hash}.${MEDIA_EXT[m.type] ?? "bin"}`;

export function mediaLibrary(deps: { dir: string; store: MediaStore; maxBytes: number }) {
  const { dir, store } = deps;

  return {
    dir,
    maxBytes: deps.maxBytes,

    /**
     * Read an upload to a temporary file while hashing it, refusing it as soon as it passes the limit
     * (nothing past it is kept), then check its type and move it under its hash.
     */
    async save(
      body: ReadableStream<Uint8Array> | null,
      name: string,
      by: string,
      now: number,
    ): Promise<UploadOutcome> {
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `.upload-${randomBytes(8).toString("hex")}`);
      const fd = openSync(tmp, "w");
      const hash = createHash("sha256");
      let size = 0;
      let head = new Uint8Array(0);
      let kept = false;
      try {
        const reader = body?.getReader();
        for (;;) {
          const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
          if (chunk.done) break;
          size += chunk.value.byteLength;
          if (size > deps.maxBytes) {
            await reader?.cancel().catch(() => undefined);
            return {
              ok: false,
              error: "media_too_large",
              message: `the file is larger than ${deps.maxBytes} bytes (SHELFSYNC_SCREEN_MEDIA_MAX_MB)`,
            };
          }
          if (head.length < 16) {
            const h = new Uint8Array(Math.min(16, head.length + chunk.value.byteLength));
            h.set(head);
            h.set(chunk.value.subarray(0, h.length - head.length), head.length);
            head = h;
          }
          hash.update(chunk.value);
          writeSync(fd, chunk.value);
        }
        if (size === 0)
          return { ok: false, error: "empty_body", message: "the body is empty: send the file's bytes" };
        const kind = sniffMedia(head);
        if (!kind) {
          return {
            ok: false,
            error: "unsupported_media",
            message: "not a PNG, JPEG, GIF, WebP, MP4 or WebM file (read from its first bytes)",
          };
        }
        const digest = hash.digest("hex");
        const media: MediaRecord = {
          hash: digest,
          type: kind.type,
          size,
          name: name.slice(0, 200) || digest,
          uploadedAt: now,
          uploadedBy: by,
        };
        closeSync(fd);
        const file = join(dir, `${digest}.${kind.ext}`);
        if (!existsSync(file)) renameSync(tmp, file);
        kept = true;
        const created = store.add(media);
        return { ok: true, media: store.get(digest) ?? media, url: mediaUrl(media), created };
      } finally {
        try {
          closeSync(fd);
        } catch {
          // closed above
        }
        if (!kept || existsSync(tmp)) rmSync(tmp, { force: true });
      }
    },

    /** The file for `/player/media/{hash}.{ext}`, if it exists. */
    file(name: string): { path: string; media: MediaRecord } | null {
      const m = /^([0-9a-f]{64})\.([a-z0-9]+)$/.exec(name);
      if (!m) return null;
      const media = store.get(m[1] as string);
      if (!media || MEDIA_EXT[media.type] !== m[2]) return null;
      const path = join(dir, name);
      return existsSync(path) ? { path, media } : null;
    },

    list: () => store.list().map((m) => ({ ...m, url: mediaUrl(m) })),
  };
}
export type MediaLibrary = ReturnType<typeof mediaLibrary>;
