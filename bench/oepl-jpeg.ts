import { performance } from "node:perf_hooks";
import jpeg from "jpeg-js";
import { SAMPLES } from "../display/labels/samples.ts";
import { renderLabel } from "../display/render/render-label.ts";
import { encodePanelJpeg, type RgbaImage } from "../firmware-bridge/oepl/jpeg.ts";
import { type BenchRow, row } from "./support.ts";

/**
 * JPEG encoding for the OpenEPaperLink bridge: real rendered labels (4.2" 400×300 and 7.5" 800×480,
 * BWR) at the bridge's quality, our path (sharp/libvips on libuv's thread pool, four in flight)
 * beside the raw baseline the bridge used before (alpha onto white in JavaScript, then jpeg-js, both
 * on the event loop), measured in the same run. The note says how busy the event loop was meanwhile:
 * a bridge whose loop is busy encoding answers neither MQTT nor the APs.
 */
const QUALITY = 95;

/** The former path, as the raw baseline. */
function jpegJsEncode(image: RgbaImage): Buffer {
  const pixels = image.width * image.height;
  const flat = Buffer.alloc(pixels * 4);
  for (let i = 0; i < pixels * 4; i += 4) {
    const alpha = image.data[i + 3]!;
    for (let c = 0; c < 3; c++) {
      flat[i + c] = Math.round((image.data[i + c]! * alpha + 255 * (255 - alpha)) / 255);
    }
    flat[i + 3] = 255;
  }
  return jpeg.encode({ data: flat, width: image.width, height: image.height }, QUALITY).data;
}

async function measure(run: () => Promise<number>): Promise<{ ms: number; bytes: number; loopBusy: number }> {
  const elu = performance.eventLoopUtilization();
  const start = performance.now();
  const bytes = await run();
  const ms = performance.now() - start;
  return { ms, bytes, loopBusy: performance.eventLoopUtilization(elu).utilization };
}

export async function benchOeplJpeg(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [id, width, height, count] of [
    ["4.2in", 400, 300, 200],
    ["7.5in", 800, 480, 60],
  ] as const) {
    const rendered = renderLabel(SAMPLES["unit-price"], { width, height, colors: "bwr" });
    const image: RgbaImage = { data: rendered.rgba(), width, height };
    const panel = { width, height };
    // Warm both paths (JIT, libvips start-up).
    jpegJsEncode(image);
    await encodePanelJpeg(image, panel, { quality: QUALITY });

    const baseline = await measure(async () => {
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        bytes += jpegJsEncode(image).length;
        // Yield as an upload loop would, so the utilisation counts the encoding, not one long task.
        await new Promise((r) => setImmediate(r));
      }
      return bytes;
    });
    const ours = await measure(async () => {
      let bytes = 0;
      let next = 0;
      const worker = async () => {
        while (next < count) {
          next++;
          const out = await encodePanelJpeg(image, panel, { quality: QUALITY });
          bytes += out.length;
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      return bytes;
    });
    const name = `oepl jpeg: ${id} ${width}×${height} BWR label, q${QUALITY}`;
    const note = (r: { bytes: number; loopBusy: number }) =>
      `${Math.round(r.bytes / count / 1024)} KiB each, event loop ${Math.round(r.loopBusy * 100)} % busy`;
    rows.push(
      row(`${name}: jpeg-js on the event loop (baseline)`, count, baseline.ms, { note: note(baseline) }),
    );
    rows.push(
      row(`${name}: sharp, 4 in flight (ours)`, count, ours.ms, {
        ratio: baseline.ms / ours.ms,
        note: note(ours),
      }),
    );
  }
  return rows;
}
