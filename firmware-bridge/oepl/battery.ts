/**
 * Battery millivolts (as a tag reports them at check-in) → percent for the label state.
 *
 * Two curves, piecewise linear between the points below, measured under the light load of a tag
 * waking up (so a little under open-circuit voltage):
 * - `coin`: lithium coin cells (CR2032, CR2450; most M2/M3 tags). Flat near 2.9–3.0 V for most of
 *   their life, then a knee; the AP itself counts a tag as low below 2.4 V, which we put at 5 %.
 * - `aa`: two alkaline AA/AAA cells in series. Falls almost linearly from 3.1 V fresh to ~2.0 V,
 *   where the tag's regulator-less electronics stop working.
 * The AP reports 0 when it has no reading and 1337 for a virtual tag: no percent then.
 */
export type BatteryChemistry = "coin" | "aa";

const CURVES: Record<BatteryChemistry, ReadonlyArray<readonly [mv: number, percent: number]>> = {
  coin: [
    [2200, 0],
    [2400, 5],
    [2500, 12],
    [2600, 25],
    [2700, 40],
    [2800, 60],
    [2900, 80],
    [3000, 100],
  ],
  aa: [
    [2000, 0],
    [2200, 15],
    [2400, 35],
    [2600, 55],
    [2800, 75],
    [3100, 100],
  ],
};

const NO_READING = 0;
const VIRTUAL_TAG = 1337;

export function batteryPercent(batteryMv: number, chemistry: BatteryChemistry = "coin"): number | undefined {
  if (!Number.isFinite(batteryMv) || batteryMv === NO_READING || batteryMv === VIRTUAL_TAG) return undefined;
  const curve = CURVES[chemistry];
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (batteryMv <= first[0]) return first[1];
  if (batteryMv >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const [mv1, p1] = curve[i]!;
    const [mv0, p0] = curve[i - 1]!;
    if (batteryMv <= mv1) return Math.round(p0 + ((batteryMv - mv0) * (p1 - p0)) / (mv1 - mv0));
  }
  return last[1];
}
