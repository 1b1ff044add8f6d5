#!/usr/bin/env bash
# Everything a fresh machine needs for Slipway: system packages, npm packages, the Kubernetes
# binaries built from source, and the compiled TypeScript. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "==> setup: $*"; }
fail() { echo "setup: FAILED at step: $current" >&2; }
current=start
trap fail ERR

current="system packages"
step "$current"
# bubblewrap and slirp4netns: the sandbox every local step runs in (src/sandbox/).
packages=(redis-server ansible openssh-server openssh-client sshpass sudo ansible-lint openssl ca-certificates bubblewrap slirp4netns)
# slipway lab: machines are podman containers (runc) from a debootstrap image, on a bridge;
# skopeo also pushes images (`slipway images push`).
packages+=(podman runc conmon debootstrap umoci skopeo iproute2 iptables)
# slipway bundle: the file server and registry it serves (the tests of `slipway images push` push
# into that registry), and what its cgo builds (runc) need.
packages+=(docker-registry nginx-light gcc libseccomp-dev pkg-config)
# The console's browser tests: playwright-core drives Debian's chromium.
packages+=(chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  step "system packages already installed"
fi
# Debian's openssh-server package may start the machine's own sshd; Slipway never uses it.

current="npm packages"
step "$current"
# `npm ci` installs exactly the lock; it is skipped when node_modules already holds that lock.
if cmp -s package-lock.json node_modules/.slipway-installed-lock 2>/dev/null; then
  step "npm packages already installed from this lock"
else
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.slipway-installed-lock
fi

current="Kubernetes, etcd and kwok from source"
step "$current"
bash scripts/build-k8s.sh

current="TypeScript build"
step "$current"
npm run --silent build

# Where the tools went: nothing is put on PATH.
paths_env=${SLIPWAY_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/bin}/paths.env
if [ -f "$paths_env" ]; then
  # shellcheck source=/dev/null
  . "$paths_env"
  step "kubectl: $SLIPWAY_KUBE_BIN/kubectl; helm: $SLIPWAY_HELM_BIN/helm (add them to PATH: export PATH=$SLIPWAY_KUBE_BIN:$SLIPWAY_HELM_BIN:\$PATH)"
fi
step "slipway: node $PWD/dist/src/cli/main.js (or npm link once, for a slipway on PATH)"
step "done"
