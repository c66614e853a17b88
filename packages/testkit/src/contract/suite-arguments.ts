// Argument checks of the describe* suites: a wrong argument is a TypeError when the suite is
// declared, instead of every test of the suite failing later with an unrelated message.

/** What an option must be: a required kind, or an optional one (`?`: `undefined` allowed). */
type OptionKind =
  | "function"
  | "object"
  | "array"
  | "function?"
  | "object?"
  | "array?"
  | "number?"
  | "string?"
  | "boolean?";

/** The options every suite that builds a sink per test takes. */
export const SINK_SUITE_OPTIONS: Readonly<Record<string, OptionKind>> = Object.freeze({
  create: "function",
  destroy: "function?",
  largePayload: "object?",
  timeoutMs: "number?",
});

/**
 * Throws a `TypeError` naming `suite` when `label` is not a string, `options` is not an object,
 * or one of the listed options is missing (when required) or of the wrong kind. Options that are
 * not listed are not looked at.
 */
export function assertSuiteArguments(
  suite: string,
  label: unknown,
  options: unknown,
  kinds: Readonly<Record<string, OptionKind>>,
): void {
  if (typeof label !== "string") {
    throw new TypeError(`${suite}: label must be a string, got ${kindOf(label)}`);
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${suite}: options must be an object, got ${kindOf(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const [name, kind] of Object.entries(kinds)) {
    const value = given[name];
    const optional = kind.endsWith("?");
    if (value === undefined) {
      if (optional) continue;
      throw new TypeError(`${suite}: options.${name} is required (${kind})`);
    }
    const want = optional ? kind.slice(0, -1) : kind;
    if (!hasKind(value, want)) {
      throw new TypeError(
        `${suite}: options.${name} must be ${article(want)} ${want}, got ${kindOf(value)}`,
      );
    }
  }
}

function hasKind(value: unknown, kind: string): boolean {
  switch (kind) {
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "number":
      return typeof value === "number" && !Number.isNaN(value);
    default:
      return typeof value === kind;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? "an" : "a";
}
