#!/usr/bin/env bash
# Runs a job image archive with podman on this machine, in a private podman store, to prove the
# archive is a real image (kwok pods run no containers).
#   bash scripts/job-image-podman.sh ARCHIVE [PODMAN_RUN_OPTIONS...] [-- ARGS...]
# e.g. bash scripts/job-image-podman.sh "$archive" --network=none --entrypoint ansible-playbook -- --version
# This VM lacks CAP_SYS_RESOURCE (podman's default rlimits are refused) and has a hybrid cgroup
# layout crun refuses: the private containers.conf sets fixed ulimits and runc.
set -euo pipefail
archive=${1:?usage: job-image-podman.sh ARCHIVE [PODMAN_RUN_OPTIONS...] [-- ARGS...]}
shift
opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
[ $# -gt 0 ] && shift
command -v podman >/dev/null || { echo "job-image-podman: podman is missing: apt-get install -y podman runc" >&2; exit 1; }

state=${SLIPWAY_PODMAN_DIR:-/var/tmp/slipway-podman}
mkdir -p "$state"
cat >"$state/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF=$state/containers.conf
pm() { podman --root "$state/root" --runroot "$state/run" --storage-driver vfs "$@"; }

# The archive's name, as skopeo stored it (org.opencontainers.image.ref.name of its index).
ref=$(skopeo inspect --config "oci-archive:$archive" | python3 -c 'import json, sys; print(json.load(sys.stdin)["config"]["Labels"]["org.opencontainers.image.ref.name"])')
loaded=$(pm load --quiet -i "$archive" | sed -n 's/^Loaded image: //p' | head -1)
echo "job-image-podman: loaded $ref as ${loaded:-?}" >&2
pm run --rm "${opts[@]}" "${loaded:-localhost/$ref}" "$@"
