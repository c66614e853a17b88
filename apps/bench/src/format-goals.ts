import type { GoalVerdict } from "./goal-support.js";

const verdictWord = (reached: boolean | null): string =>
  reached === null ? "NOT MEASURED" : reached ? "reached" : "MISSED";

/** Wraps `text` at `width` columns with `indent` on every line after the first. */
export function wrap(text: string, width: number, indent: string): string {
  const lead = /^ */.exec(text)?.[0] ?? "";
  const words = text.slice(lead.length).split(" ");
  const lines: string[] = [];
  let line = lead;
  for (const word of words) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line.trim().length === 0 ? `${line}${word}` : `${line} ${word}`;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines.join("\n");
}

/** The goals as text, one verdict line per goal and its checks below, within `width` columns. */
export function formatGoals(goals: readonly GoalVerdict[], width = 120): string {
  const out: string[] = [];
  for (const g of goals) {
    const measured = g.checks.filter((c) => c.reached !== null);
    const ok = measured.filter((c) => c.reached).length;
    out.push(
      wrap(
        `${g.id}. ${g.name}: ${verdictWord(g.reached)} (${ok} of ${measured.length} checks) — target: ${g.target}`,
        width,
        "     ",
      ),
    );
    for (const c of g.checks) {
      const mark = c.reached === null ? "·" : c.reached ? "✓" : "✗";
      out.push(wrap(`   ${mark} ${c.label}: ${c.measured}`, width, "       "));
    }
    if (g.why) out.push(wrap(`   why: ${g.why}`, width, "        "));
    if (g.toClose) out.push(wrap(`   would close it: ${g.toClose}`, width, "        "));
  }
  return out.join("\n");
}
