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
# The bundle holds the job and controller images: their podman runs (skipped by `npm test`,
# which has no image) run here against them.
index=${SLIPWAY_BUNDLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/bundle}/images.txt
bundle_archive() { [ -f "$index" ] && awk -v ref="$1" 'index($2, ref) == 1 { print $1; exit }' "$index"; }
: "${SLIPWAY_JOB_IMAGE_ARCHIVE:=$(bundle_archive slipway/job:)}"
: "${SLIPWAY_CONTROLLER_IMAGE_ARCHIVE:=$(bundle_archive slipway/controller:)}"
if [ -n "$SLIPWAY_JOB_IMAGE_ARCHIVE" ]; then export SLIPWAY_JOB_IMAGE_ARCHIVE; files+=(dist/test/job-image/image-run.test.js); fi
if [ -n "$SLIPWAY_CONTROLLER_IMAGE_ARCHIVE" ]; then export SLIPWAY_CONTROLLER_IMAGE_ARCHIVE; files+=(dist/test/controller-image/image-run.test.js); fi
[ ${#files[@]} -gt 0 ] || { echo "test:lab: no tests in dist/test/bundle or dist/test/lab" >&2; exit 1; }
SLIPWAY_SLOW_SUITE=1 exec node dist/test/env/run.js "${files[@]}"
