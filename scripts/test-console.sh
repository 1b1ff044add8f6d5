#!/usr/bin/env bash
# `npm run test:console`: the web console's browser suite (Debian's chromium driven by
# playwright-core) against the test environment, kept out of `npm test`. Extra arguments are
# compiled test files to run instead of all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if [ $# -eq 0 ]; then set -- dist/test/console/*.test.js; fi
SLIPWAY_CONSOLE_SUITE=1 exec node dist/test/env/run.js "$@"
