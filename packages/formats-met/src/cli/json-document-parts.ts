/** What `JSON.stringify` leaves at the end of a document whose last property is an empty array. */
const EMPTY_TAIL = "[]\n}";

/**
 * The text of `JSON.stringify({ ...head, [key]: items }, null, 2)` followed by a newline, piece by
 * piece: the head, then one piece per item (`item(i)` is called once per index, in order, so the
 * items never all exist at once), then the closing brackets. The bytes are those of the one-piece
 * form: `key` must not be a property of `head` (it comes last), and each item is stringified with
 * the same indentation, shifted to its depth (JSON text holds no raw line breaks inside strings).
 */
export function* jsonDocumentParts(
  head: Record<string, unknown>,
  key: string,
  count: number,
  item: (index: number) => unknown,
): Generator<string, void, undefined> {
  const open = JSON.stringify({ ...head, [key]: [] }, null, 2);
  if (count === 0) {
    yield `${open}\n`;
    return;
  }
  yield `${open.slice(0, -EMPTY_TAIL.length)}[\n`;
  for (let i = 0; i < count; i++) {
    const text = (JSON.stringify(item(i), null, 2) ?? "null").replaceAll("\n", "\n    ");
    yield `    ${text}${i + 1 < count ? "," : ""}\n`;
  }
  yield "  ]\n}\n";
}
