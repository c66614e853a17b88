/**
 * Why a `.met` decoder rejected its input; goes to `details.reason` of the `ERR_CORRUPT` error
 * (built by `corruptError` of `@snapwrite/core/codec-kit`).
 *
 * - `truncated`: the input ends inside a fixed-size field.
 * - `bad-length`: a length or count field announces more bytes than the rest of the input holds
 *   (a file cut inside a string or a hash list reports this, at the length field).
 * - `bad-header`: the file header / version byte is not one the format allows.
 * - `unknown-tag-type`: a tag type no client accepts in `.met` files (including BSOB 0x0A).
 * - `bad-value`: a field holds a value the format forbids (for example a zero STRn length).
 * - `trailing-data`: bytes follow the last record the header announced.
 */
export type CorruptReason =
  | "truncated"
  | "bad-length"
  | "bad-header"
  | "unknown-tag-type"
  | "bad-value"
  | "trailing-data";
