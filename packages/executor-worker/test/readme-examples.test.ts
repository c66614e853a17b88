import { describeReadmeExamples } from "../../../scripts/describe-readme-examples.js";

// The examples of this package's README are typechecked, so they cannot rot.
describeReadmeExamples(
  ["packages/executor-worker/README.md"],
  "packages/executor-worker/test/readme-blocks",
);
