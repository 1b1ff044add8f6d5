# Sourced by scripts that run images with podman on this machine: `pm ARGS...` is podman with a
# private store (SLIPWAY_PODMAN_DIR, default /var/tmp/slipway-podman), so nothing touches the
# machine's own containers. This VM lacks CAP_SYS_RESOURCE (podman's default rlimits are
# refused) and has a hybrid cgroup layout crun refuses: the private containers.conf sets fixed
# ulimits and runc.
command -v podman >/dev/null || { echo "podman is missing: apt-get install -y podman runc" >&2; exit 1; }
podman_state=${SLIPWAY_PODMAN_DIR:-/var/tmp/slipway-podman}
mkdir -p "$podman_state"
cat >"$podman_state/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF=$podman_state/containers.conf
pm() { podman --root "$podman_state/root" --runroot "$podman_state/run" --storage-driver vfs "$@"; }
