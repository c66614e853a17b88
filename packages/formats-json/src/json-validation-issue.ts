import type { StandardSchemaV1 } from "@standard-schema/spec";

/** One validation issue, as `details.issues` of an `"invalid"` decode error lists it. */
export interface JsonValidationIssue {
  /** The validator's message. */
  readonly message: string;
  /** Path to the offending value, as keys (path segments of the schema library are unwrapped). */
  readonly path: readonly PropertyKey[];
}

/** The issues of a Standard Schema result, with path segments unwrapped to keys. */
export function normalizeIssues(
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
): JsonValidationIssue[] {
  return issues.map((issue) => ({
    message: String(issue.message),
    path: (issue.path ?? []).map((segment) =>
      typeof segment === "object" && segment !== null ? segment.key : segment,
    ),
  }));
}

/** `$.a[0].b` for an issue path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = "$";
  for (const key of path) text += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return text;
}
