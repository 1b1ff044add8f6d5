#!/usr/bin/env bash
# Runs a job image archive with podman on this machine, in a private podman store, to prove the
# archive is a real image (kwok pods run no containers).
#   bash scripts/job-image-podman.sh ARCHIVE [PODMAN_RUN_OPTIONS...] [-- ARGS...]
# e.g. bash scripts/job-image-podman.sh "$archive" --network=none --entrypoint ansible-playbook -- --version
# The private store and this VM's podman settings: scripts/lib/podman-env.sh.
set -euo pipefail
archive=${1:?usage: job-image-podman.sh ARCHIVE [PODMAN_RUN_OPTIONS...] [-- ARGS...]}
shift
opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
[ $# -gt 0 ] && shift
source "$(dirname "$0")/lib/podman-env.sh"

# The archive's name, as skopeo stored it (org.opencontainers.image.ref.name of its index).
ref=$(skopeo inspect --config "oci-archive:$archive" | python3 -c 'import json, sys; print(json.load(sys.stdin)["config"]["Labels"]["org.opencontainers.image.ref.name"])')
loaded=$(pm load --quiet -i "$archive" | sed -n 's/^Loaded image: //p' | head -1)
echo "job-image-podman: loaded $ref as ${loaded:-?}" >&2
pm run --rm "${opts[@]}" "${loaded:-localhost/$ref}" "$@"
