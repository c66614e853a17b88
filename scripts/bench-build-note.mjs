// Printed before `npm run bench` builds the packages: on a fresh clone the build takes a minute or
// more, and turbo then prints each package's build as it runs.
process.stderr.write(
  "[bench] building @snapwrite/bench and the packages it uses (turbo; cached after the first run)…\n",
);
