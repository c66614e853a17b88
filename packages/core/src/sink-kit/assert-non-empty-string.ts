/**
 * Checks an option that, when given, must be a non-empty string (a name: `null` is refused, not
 * taken for the default): otherwise a `TypeError` "`<label>` must be a non-empty string, got null"
 * (or "an empty string", or the value's type). `label` names the caller and the option
 * (`"openDurableStore: name"`).
 */
export function assertNonEmptyString(value: unknown, label: string): asserts value is string {
  if (typeof value === "string" && value.length > 0) return;
  const got =
    value === null ? "null" : typeof value === "string" ? "an empty string" : typeof value;
  throw new TypeError(`${label} must be a non-empty string, got ${got}`);
}
