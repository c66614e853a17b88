import { latin1Decode } from "./latin1-decode.js";

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes the bytes of a `.met` string the way aMule reads known.met (docs/met-format.md#strings): a leading UTF-8
 * BOM means UTF-8; otherwise UTF-8 when the bytes are valid UTF-8, else Latin-1 (ISO-8859-1, every
 * byte one code point).
 */
export function decodeMetString(bytes: Uint8Array): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return utf8OrLatin1(bytes.subarray(3));
  }
  return utf8OrLatin1(bytes);
}

function utf8OrLatin1(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1Decode(bytes);
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return latin1Decode(bytes);
  }
}
