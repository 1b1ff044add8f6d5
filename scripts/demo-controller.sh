#!/usr/bin/env bash
# `npm run demo:controller`: the controller on this machine against a throwaway management
# apiserver, with three sshd hosts for examples/local (test/env/demo-controller.ts says what runs).
# Needs `npm run setup` first. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/test/env/demo-controller.js ] || npm run --silent build
exec node dist/test/env/demo-controller.js
