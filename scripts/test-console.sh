#!/usr/bin/env bash
# `npm run test:console`: the web console's browser suite (Debian's chromium driven by
# playwright-core) against the test environment, kept out of `npm test`. Extra arguments are
# compiled test files to run instead of all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if [ $# -eq 0 ]; then set -- dist/test/console/*.test.js; fi
# One file at a time: the controller a file starts runs the operations of every Cluster (they are
# cluster-scoped), so another file's operations would run under it.
SLIPWAY_CONSOLE_SUITE=1 SLIPWAY_TEST_CONCURRENCY="${SLIPWAY_TEST_CONCURRENCY:-1}" exec node dist/test/env/run.js "$@"
