import { describe, expect, it } from "vitest";
import { bucketTrace, escapeXml, renderChartSvg } from "../src/render-svg.js";

/** Checks that every tag is closed in order (a small well-formedness check, enough for our output). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g;
  for (const match of svg.matchAll(tag)) {
    const [, closing, name, , selfClosing] = match;
    if (!name) continue;
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else if (!selfClosing) {
      stack.push(name);
    }
  }
  expect(stack).toEqual([]);
  // Outside tags, no raw "<" or unescaped "&".
  const text = svg.replace(tag, "");
  expect(text).not.toMatch(/<|&(?!amp;|lt;|gt;|quot;|apos;)/);
}

describe("renderChartSvg", () => {
  const svg = renderChartSvg({
    title: 'stalls <&> "quoted"',
    subtitle: "test",
    groups: [
      {
        title: "known.met save 100k",
        bars: [
          { label: "naive-sync", value: 250 },
          { label: "snapwrite-sliced-fs", value: 0.02 },
          { label: "steno", value: null },
        ],
      },
    ],
    traceTitle: "trace",
    traces: [
      {
        label: "naive-sync",
        points: [
          [0, 0],
          [0.5, 240],
          [1, 0.3],
        ],
      },
      {
        label: "snapwrite-sliced-fs",
        points: [
          [0, 0.1],
          [1, 2],
        ],
      },
    ],
  });

  it("is a single well-formed svg element", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    assertBalanced(svg);
  });

  it("escapes text and marks missing values", () => {
    expect(svg).toContain("stalls &lt;&amp;&gt; &quot;quoted&quot;");
    expect(svg).toContain("not available");
    expect(svg).toContain("250 ms");
  });

  it("draws one polyline per trace and no NaN coordinates", () => {
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).not.toContain("NaN");
    expect(svg).not.toContain("Infinity");
  });

  it("stays well-formed with no traces and no bars", () => {
    const empty = renderChartSvg({
      title: "t",
      subtitle: "s",
      groups: [],
      traceTitle: "x",
      traces: [],
    });
    assertBalanced(empty);
    expect(empty).not.toContain("NaN");
  });
});

describe("escapeXml", () => {
  it("escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  });
});

describe("bucketTrace", () => {
  it("spreads a long stall over every bucket it spans", () => {
    // ticks at 1, 2, 3 ms, then a gap of 27 ms ending at 30 ms, then on time.
    const at = [1, 2, 3, 30, 31];
    const gap = [1, 1, 1, 27, 1];
    expect(bucketTrace(at, gap, 1, 10)).toEqual([
      [0, 26],
      [0.01, 26],
      [0.02, 26],
      [0.03, 0],
    ]);
  });

  it("keeps one point per bucket with the worst stall in it", () => {
    const trace = bucketTrace([5, 6, 9, 15, 25], [1, 1, 3, 1, 1], 1, 10);
    expect(trace).toEqual([
      [0, 2],
      [0.01, 0],
      [0.02, 0],
    ]);
  });
});
