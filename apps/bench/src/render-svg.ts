/** One bar of the stall chart. */
export interface SvgBar {
  /** Contender id. */
  readonly label: string;
  /** Value in ms; `null` draws "not available". */
  readonly value: number | null;
  /** The contender never fsyncs: its bar is hatched and labelled "not durable". */
  readonly notDurable?: boolean | undefined;
}

/** A group of bars (one workload). */
export interface SvgBarGroup {
  /** Workload id. */
  readonly title: string;
  /** Bars in display order. */
  readonly bars: readonly SvgBar[];
}

/** One line of the stall-over-time trace. */
export interface SvgTraceSeries {
  /** Contender id. */
  readonly label: string;
  /** `[time s, stall ms]` points, in time order. */
  readonly points: readonly (readonly [number, number])[];
}

/** What the chart shows. */
export interface SvgChartInput {
  /** Title line. */
  readonly title: string;
  /** Subtitle (machine, date). */
  readonly subtitle: string;
  /** Max-stall bars per workload. */
  readonly groups: readonly SvgBarGroup[];
  /** Title of the trace panel. */
  readonly traceTitle: string;
  /** Stall-over-time lines (may be empty). */
  readonly traces: readonly SvgTraceSeries[];
}

const WIDTH = 960;
const LEFT = 200;
const RIGHT = 90;
const BAR_H = 14;
const BAR_GAP = 4;
const LOG_MIN = 0.1;

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** One colour per contender (same colour in the bars and the trace). */
const CONTENDER_COLORS: Readonly<Record<string, string>> = {
  "control-no-save": "#bbbbbb",
  "naive-sync": "#d62728",
  "naive-sync-atomic": "#ff7f0e",
  "write-file-atomic": "#9467bd",
  atomically: "#8c564b",
  steno: "#7f7f7f",
  "snapwrite-inline-fs": "#2ca02c",
  "snapwrite-sliced-fs": "#1f77b4",
  "snapwrite-sliced-memory": "#17becf",
  "snapwrite-sliced-1ms-fs": "#6baed6",
  "snapwrite-worker-fs": "#e377c2",
};

/** Colour of a contender: each known contender has its own; others share olive. */
export function contenderColor(label: string): string {
  return CONTENDER_COLORS[label] ?? "#bcbd22";
}

function fmt(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Decades of a log axis covering [LOG_MIN, max]. */
function decades(max: number): number[] {
  const top = Math.max(1, Math.ceil(Math.log10(Math.max(max, 1))));
  const out: number[] = [];
  for (let e = Math.log10(LOG_MIN); e <= top; e++) out.push(10 ** e);
  return out;
}

/**
 * Labelled ticks 1–2–5 per decade up to the last decade: on a log axis a 5× difference is then one
 * tick step pair wide wherever it sits (1 → 5, 10 → 50), and the labels make it readable.
 */
export function logTicks(max: number): number[] {
  const out: number[] = [];
  const ends = decades(max);
  for (const decade of ends.slice(0, -1)) {
    for (const m of [1, 2, 5]) out.push(Number((decade * m).toPrecision(3)));
  }
  out.push(Number((ends[ends.length - 1] ?? 10).toPrecision(3)));
  return out;
}

/**
 * Renders the bench chart as a self-contained SVG: horizontal bars of the max stall per contender
 * (log scale, one group per workload), then a stall-over-time trace (log scale) of the periodic
 * workload. Hand-written, no dependencies.
 */
export function renderChartSvg(input: SvgChartInput): string {
  const parts: string[] = [];
  const plotW = WIDTH - LEFT - RIGHT;
  let maxValue = LOG_MIN;
  for (const group of input.groups) {
    for (const bar of group.bars) if (bar.value !== null) maxValue = Math.max(maxValue, bar.value);
  }
  const ticks = decades(maxValue);
  const logLo = Math.log10(LOG_MIN);
  const logHi = Math.log10(ticks[ticks.length - 1] ?? 10);
  const xOf = (value: number): number =>
    LEFT + ((Math.log10(Math.max(value, LOG_MIN)) - logLo) / (logHi - logLo)) * plotW;

  let y = 56;
  parts.push(
    `<text x="16" y="24" font-size="16" font-weight="bold">${escapeXml(input.title)}</text>`,
    `<text x="16" y="42" font-size="11" fill="#555">${escapeXml(input.subtitle)}</text>`,
  );
  const barsTop = y;
  for (const group of input.groups) {
    y += 18;
    parts.push(
      `<text x="16" y="${y}" font-size="12" font-weight="bold">${escapeXml(group.title)}</text>`,
    );
    y += 6;
    for (const bar of group.bars) {
      const label = `<text x="${LEFT - 6}" y="${y + BAR_H - 3}" font-size="11" text-anchor="end">${escapeXml(bar.label)}</text>`;
      if (bar.value === null) {
        parts.push(
          label,
          `<text x="${LEFT + 4}" y="${y + BAR_H - 3}" font-size="11" fill="#999">not available</text>`,
        );
      } else {
        const w = Math.max(1, xOf(bar.value) - LEFT);
        const color = contenderColor(bar.label);
        parts.push(
          label,
          `<rect x="${LEFT}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"${bar.notDurable ? ' fill-opacity="0.45"' : ""}/>`,
        );
        if (bar.notDurable) {
          parts.push(
            `<rect x="${LEFT}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="url(#not-durable)"/>`,
          );
        }
        parts.push(
          `<text x="${(LEFT + w + 4).toFixed(1)}" y="${y + BAR_H - 3}" font-size="11">${fmt(bar.value)} ms${bar.notDurable ? " — not durable (never fsyncs)" : ""}</text>`,
        );
      }
      y += BAR_H + BAR_GAP;
    }
  }
  const barsBottom = y + 4;
  for (const tick of logTicks(maxValue)) {
    const x = xOf(tick).toFixed(1);
    const major = Number.isInteger(Math.log10(tick));
    parts.push(
      `<line x1="${x}" y1="${barsTop}" x2="${x}" y2="${barsBottom}" stroke="${major ? "#ccc" : "#eee"}" stroke-width="1"/>`,
      `<text x="${x}" y="${barsBottom + 12}" font-size="10" text-anchor="middle" fill="#555">${fmt(tick)}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT + plotW / 2}" y="${barsBottom + 26}" font-size="11" text-anchor="middle">max event-loop stall, ms (log scale) — lower is better; hatched: not durable</text>`,
  );
  y = barsBottom + 56;

  if (input.traces.length > 0) {
    parts.push(
      `<text x="16" y="${y}" font-size="13" font-weight="bold">${escapeXml(input.traceTitle)}</text>`,
    );
    const top = y + 14;
    const height = 200;
    const bottom = top + height;
    let tMax = 0.001;
    let vMax = 1;
    for (const series of input.traces) {
      for (const [t, v] of series.points) {
        tMax = Math.max(tMax, t);
        vMax = Math.max(vMax, v);
      }
    }
    const vTicks = decades(vMax);
    const vHi = Math.log10(vTicks[vTicks.length - 1] ?? 10);
    const px = (t: number): number => LEFT + (t / tMax) * plotW;
    const py = (v: number): number =>
      bottom - ((Math.log10(Math.max(v, LOG_MIN)) - logLo) / (vHi - logLo)) * height;
    for (const tick of logTicks(vMax).filter((t) => t <= (vTicks[vTicks.length - 1] ?? 10))) {
      const ty = py(tick).toFixed(1);
      parts.push(
        `<line x1="${LEFT}" y1="${ty}" x2="${LEFT + plotW}" y2="${ty}" stroke="#eee" stroke-width="1"/>`,
        `<text x="${LEFT - 6}" y="${ty}" font-size="10" text-anchor="end" fill="#555">${fmt(tick)} ms</text>`,
      );
    }
    const secondsStep = tMax > 20 ? 5 : tMax > 5 ? 1 : 0.5;
    for (let s = 0; s <= tMax + 1e-9; s += secondsStep) {
      const tx = px(s).toFixed(1);
      parts.push(
        `<text x="${tx}" y="${bottom + 14}" font-size="10" text-anchor="middle" fill="#555">${s.toFixed(secondsStep < 1 ? 1 : 0)} s</text>`,
      );
    }
    parts.push(
      `<rect x="${LEFT}" y="${top}" width="${plotW}" height="${height}" fill="none" stroke="#999"/>`,
    );
    input.traces.forEach((series, index) => {
      const points = series.points.map(([t, v]) => `${px(t).toFixed(1)},${py(v).toFixed(1)}`);
      const color = contenderColor(series.label);
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.2" points="${points.join(" ")}"/>`,
        `<rect x="16" y="${top + 8 + index * 18}" width="12" height="10" fill="${color}"/>`,
        `<text x="32" y="${top + 17 + index * 18}" font-size="11">${escapeXml(series.label)}</text>`,
      );
    });
    parts.push(
      `<text x="${LEFT + plotW / 2}" y="${bottom + 30}" font-size="11" text-anchor="middle">time since the owner started mutating; stall = largest tick delay per 20 ms bucket (log scale, lower is better)</text>`,
    );
    y = bottom + 44;
  }
  const height = Math.ceil(y);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#fff"/>`,
    '<defs><pattern id="not-durable" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.5" stroke-opacity="0.5"/></pattern></defs>',
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

/**
 * Reduces a tick trace to one point per `bucketMs`: the largest stall (gap minus interval, at least
 * 0) that overlapped the bucket, at the bucket's start, in seconds. A stall longer than a bucket
 * covers every bucket it spans, so a 1 s freeze reads as a 1 s plateau, not as a single spike.
 */
export function bucketTrace(
  atMs: ArrayLike<number>,
  gapMs: ArrayLike<number>,
  intervalMs: number,
  bucketMs: number,
): Array<[number, number]> {
  const worst: number[] = [];
  for (let i = 0; i < atMs.length; i++) {
    const end = atMs[i] ?? 0;
    const gap = gapMs[i] ?? 0;
    const stall = Math.max(0, gap - intervalMs);
    const first = Math.max(0, Math.floor((end - gap) / bucketMs));
    // A gap ending exactly on a boundary does not reach into the next bucket.
    const last = Math.max(first, Math.ceil(end / bucketMs) - 1);
    for (let b = first; b <= last; b++) worst[b] = Math.max(worst[b] ?? 0, stall);
  }
  const out: Array<[number, number]> = [];
  for (let b = 0; b < worst.length; b++) {
    const value = worst[b];
    if (value !== undefined) out.push([(b * bucketMs) / 1000, value]);
  }
  return out;
}
