#!/usr/bin/env bash
# `npm run test:e2e`: the whole cluster lifecycle on lab machines with the offline bundle
# (test/e2e): needs `slipway bundle build` first. Prints the seconds of each scenario and
# writes them to SLIPWAY_E2E_TIMINGS (default ~/.local/state/slipway/e2e-timings.txt).
# SLIPWAY_E2E_KEEP=1 leaves the lab machines and the bundle server up afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
SLIPWAY_E2E_SUITE=1 exec node --test --test-reporter=spec --test-timeout=7200000 dist/test/e2e/*.test.js
