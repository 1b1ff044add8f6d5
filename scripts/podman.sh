#!/usr/bin/env bash
# podman with Slipway's private store and this VM's settings (scripts/lib/podman-env.sh), e.g.
#   bash scripts/podman.sh run --rm --tls-verify=false 127.0.0.1:5000/registry.k8s.io/pause:3.10.1 -v
set -euo pipefail
source "$(dirname "$0")/lib/podman-env.sh"
pm "$@"
