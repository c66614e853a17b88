import { describeReadmeExamples } from "../../../scripts/describe-readme-examples.js";

// The examples of the root and core READMEs are typechecked, so they cannot rot.
describeReadmeExamples(
  ["README.md", "packages/core/README.md"],
  "packages/core/test/readme-blocks",
);
