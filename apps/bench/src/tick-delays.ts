/**
 * Turns the gaps between ticks of a timer that should fire every `intervalMs` into the delays the
 * ticks suffered, corrected for coordinated omission: a single 100 ms gap of a 1 ms timer means
 * that about 100 ticks were due and each waited (100, 99, 98, … ms) — counting it once would make
 * a blocked loop look almost healthy in the percentiles. Gaps at or below the interval are a delay
 * of 0. The result is sorted ascending.
 */
export function correctedTickDelays(gapsMs: ArrayLike<number>, intervalMs: number): Float64Array {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  let total = 0;
  for (let i = 0; i < gapsMs.length; i++) {
    const delay = (gapsMs[i] ?? 0) - intervalMs;
    total += delay > 0 ? Math.ceil(delay / intervalMs) : 1;
  }
  const out = new Float64Array(total);
  let k = 0;
  for (let i = 0; i < gapsMs.length; i++) {
    const delay = (gapsMs[i] ?? 0) - intervalMs;
    if (delay <= 0) {
      out[k++] = 0;
      continue;
    }
    for (let d = delay; d > 0; d -= intervalMs) out[k++] = d;
  }
  return out.subarray(0, k).sort();
}
