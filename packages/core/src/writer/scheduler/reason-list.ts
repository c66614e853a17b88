/** No reasons: the frozen empty list. */
export const NO_REASONS: readonly string[] = Object.freeze([]);

/** Keeps the 16 most recent distinct reasons, oldest first, in O(16) per add. */
export class ReasonList {
  static readonly LIMIT = 16;
  private items: string[] = [];

  /** Records `reason` as the most recent one. */
  add(reason: string): void {
    const items = this.items;
    const last = items.length - 1;
    // The common case, a burst of the same reason, costs one comparison.
    if (last >= 0 && items[last] === reason) return;
    let index = last - 1;
    while (index >= 0 && items[index] !== reason) index--;
    if (index < 0) {
      if (items.length < ReasonList.LIMIT) {
        items.push(reason);
        return;
      }
      index = 0;
    }
    // Move the entries after `index` one step towards the front and put `reason` last: no
    // allocation, at most 15 moves.
    for (let i = index; i < last; i++) items[i] = items[i + 1] as string;
    items[last] = reason;
  }

  /** Returns the reasons (oldest first) merged after `earlier`, and empties the list. */
  drain(earlier: readonly string[]): readonly string[] {
    const current = this.items;
    this.items = [];
    if (earlier.length === 0) return Object.freeze(current);
    const merged = earlier.filter((reason) => !current.includes(reason));
    merged.push(...current);
    return Object.freeze(merged.slice(Math.max(0, merged.length - ReasonList.LIMIT)));
  }
}
