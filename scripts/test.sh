#!/usr/bin/env bash
# `npm test`: compile, then start the test environment once and run the tests against it.
# Extra arguments are compiled test files to run instead of all of them, e.g.
#   npm test -- dist/test/smoke/kube.test.js
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
# The whole suite also lints; a run of chosen files skips it.
if [ $# -eq 0 ]; then npm run --silent lint; fi
exec node dist/test/env/run.js "$@"
