import { type PolicyEntry, resolvePolicy } from "./resolve-policy.js";

/**
 * Resolves a library's own numeric options through {@link resolvePolicy} with no environment
 * variables (`{ env: {} }`): an application names its variables in its own spec. Each entry's
 * `default` is the option as given, or its default when left out (`null` is no number: a
 * `TypeError`). Messages open with `caller` and the option's path:
 * `openJournal: group.maxBytes must be >= 1, got 0`.
 */
export function resolveOptionValues<K extends string>(
  caller: string,
  spec: Readonly<Record<K, PolicyEntry>>,
): Readonly<Record<K, number>> {
  const names = Object.keys(spec) as K[];
  const named = Object.fromEntries(names.map((name) => [`${caller}: ${name}`, spec[name]]));
  const { values } = resolvePolicy(named, { env: {} });
  return Object.fromEntries(names.map((name) => [name, values[`${caller}: ${name}`]])) as Record<
    K,
    number
  >;
}

/**
 * One option through {@link resolvePolicy} with no environment variables: `value`, or `fallback`
 * when left out, within `bounds`. Messages name `caller: name` (`name` alone without a caller):
 * `openJournal: keep must be >= 1, got 0`.
 */
export function resolveOptionValue(
  caller: string | undefined,
  name: string,
  value: unknown,
  fallback: number,
  bounds: Omit<PolicyEntry, "default" | "env">,
): number {
  const key = caller === undefined ? name : `${caller}: ${name}`;
  const entry = optionEntry(value, fallback, bounds);
  return resolvePolicy({ [key]: entry }, { env: {} }).values[key] as number;
}

/**
 * A {@link PolicyEntry} for one option: `value` when given, `fallback` when left out
 * (`undefined` only), with its bounds and `integer`.
 */
export function optionEntry(
  value: unknown,
  fallback: number,
  bounds: Omit<PolicyEntry, "default" | "env">,
): PolicyEntry {
  return { ...bounds, default: (value === undefined ? fallback : value) as number };
}
