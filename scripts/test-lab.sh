#!/usr/bin/env bash
# `npm run test:lab`: the slow suite, which needs what `npm test` does not build: the offline
# bundle (test/bundle, scripts/bundle/build.sh) and the lab machines (test/lab). Runs the
# compiled tests of both directories that exist, in the test environment like `npm test`.
# SLIPWAY_REQUIRE_BUNDLE=1 turns a missing bundle into failures instead of skips (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
shopt -s nullglob
files=(dist/test/bundle/*.test.js dist/test/lab/*.test.js)
[ ${#files[@]} -gt 0 ] || { echo "test:lab: no tests in dist/test/bundle or dist/test/lab" >&2; exit 1; }
SLIPWAY_SLOW_SUITE=1 exec node dist/test/env/run.js "${files[@]}"
