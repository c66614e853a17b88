/**
 * The error of a {@link ChunkWriter} method given a value its field cannot hold: a `TypeError` for
 * a value of the wrong type, a `RangeError` otherwise. A writer never wraps or truncates silently
 * (`u16(70000)` writing 4464 would save a file its decoder cannot read back). Built only once a
 * cheap check failed, so the writers' hot path stays one comparison.
 *
 * @param writer - The method, as in `u16`.
 * @param value - The refused value.
 * @param range - What the field holds, as in `an integer in 0..65535`.
 * @param options - The expected `typeof` (default `number`) and, for a method with several
 *   arguments, the refused one's name.
 */
export function writerValueError(
  writer: string,
  value: unknown,
  range: string,
  options: { readonly type?: "number" | "bigint" | "string"; readonly argument?: string } = {},
): RangeError | TypeError {
  const { type = "number", argument } = options;
  const name = argument === undefined ? "" : `${argument} `;
  const prefix = `ChunkWriter.${writer}: ${name}${describe(value)}`;
  if (typeof value !== type) return new TypeError(`${prefix} is not a ${type}`);
  return new RangeError(`${prefix} is out of range: the field holds ${range}`);
}

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string")
    return value.length > 40
      ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`
      : JSON.stringify(value);
  if (typeof value === "number" || value === undefined || value === null) return String(value);
  return typeof value;
}
