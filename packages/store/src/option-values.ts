import { type PolicyEntry, resolvePolicy } from "@snapwrite/core";

/**
 * Resolves option values (no environment variables) through `resolvePolicy`, its messages opened
 * by `caller` and the option's path: `openDurableStore: writeBehind.debounceMs must be <= …`.
 * Internal.
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
