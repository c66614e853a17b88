import { defineProject, type UserWorkspaceConfig } from "vitest/config";

type TestOptions = NonNullable<UserWorkspaceConfig["test"]>;

/**
 * The vitest project every workspace package shares: the `*.test.ts` files under `test/`, named
 * after the package. CI and developers share 2 cores across every package's suite: a property test
 * that takes 2 s alone can take 10 s under load, hence the long per-test timeout. Timing goals live
 * in the bench, not here.
 */
export function definePackageTests(name: string, overrides: Omit<TestOptions, "name"> = {}) {
  return defineProject({
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: 30_000,
      ...overrides,
    },
  });
}
