/**
 * Throws a `TypeError` naming the first key of `given` that is not in `known`: a misspelt option
 * (`durabilty: "os"`) would otherwise be dropped without a word and its default used instead.
 * `caller` opens the message (`"openJournal"`); `prefix` names a nested options object
 * (`"rotate."`), so the message reads `openAppendLog: unknown option "rotate.maxByte"; known: …`.
 * Only own enumerable string keys are looked at, as object spread would copy them.
 */
export function assertKnownOptions(
  caller: string,
  given: object,
  known: Iterable<string>,
  prefix = "",
): void {
  const allowed = known instanceof Set ? (known as ReadonlySet<string>) : new Set(known);
  for (const key of Object.keys(given)) {
    if (!allowed.has(key)) {
      const list = [...allowed].map((name) => prefix + name).join(", ");
      throw new TypeError(
        `${caller}: unknown option ${JSON.stringify(prefix + key)}; known: ${list}`,
      );
    }
  }
}

/**
 * {@link assertKnownOptions} inside the nested option objects of `given`: for every name of
 * `nested` whose value in `given` is an object, its keys must be among `nested[name]`, and the
 * message names them with the prefix `name.` (`openJournal: unknown option "group.maxByte"`). A
 * nested value that is no object is left to the check of that value.
 */
export function assertKnownNestedOptions(
  caller: string,
  given: object,
  nested: Readonly<Record<string, Iterable<string>>>,
): void {
  for (const [name, known] of Object.entries(nested)) {
    const value = (given as Record<string, unknown>)[name];
    if (typeof value === "object" && value !== null) {
      assertKnownOptions(caller, value, known, `${name}.`);
    }
  }
}
