#!/usr/bin/env bash
# `npm run test:lab`: compile, then run the slow suites that start real machines (dist/test/lab)
# and use the offline bundle (dist/test/bundle) with Node's test runner, one file at a time.
# They need no apiserver, so not the environment `npm test` starts. Extra arguments are compiled
# test files to run instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build
shopt -s nullglob
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(dist/test/lab/*.test.js dist/test/bundle/*.test.js)
[ ${#files[@]} -gt 0 ] || { echo "test:lab: no test files under dist/test/lab or dist/test/bundle" >&2; exit 1; }
export SLIPWAY_LAB_TESTS=1
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
