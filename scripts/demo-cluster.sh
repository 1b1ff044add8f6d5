#!/usr/bin/env bash
# `npm run demo:cluster`: a real Kubernetes cluster (1 control plane + 1 worker, kubeadm,
# containerd, flannel) on two lab machines, from the offline bundle, installed by
# `slipway run` with kubean's manifests; then `kubectl get nodes` against it. The cluster stays
# up: the last lines say how to use it and how to remove it. Re-running reuses the machines
# (a second install changes nothing). Needs `npm run setup` first; run as root.
# DEMO_LAB (default demo) names the lab, DEMO_MACHINES (default 2) sizes it.
set -euo pipefail
cd "$(dirname "$0")/.."
lab=${DEMO_LAB:-demo}
machines=${DEMO_MACHINES:-2}
state=${XDG_STATE_HOME:-$HOME/.local/state}/slipway/demo-cluster/$lab
slipway() { node dist/src/cli/main.js "$@"; }
stage() {
  local name=$1 t0=$SECONDS
  shift
  echo "==> demo:cluster: $name"
  "$@"
  echo "==> demo:cluster: $name took $((SECONDS - t0)) s"
}

[ -f dist/src/cli/main.js ] || npm run --silent build
mkdir -p "$state"
chmod 700 "$state"
# shellcheck source=/dev/null
. "${SLIPWAY_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/bin}/paths.env"
kubectl=$SLIPWAY_KUBE_BIN/kubectl

stage "offline bundle (cached after the first build)" slipway bundle build
lab_up() { slipway lab up --name "$lab" --machines "$machines" --inputs-dir "$state/inputs" | tee "$state/lab-up.txt"; }
stage "lab machines" lab_up
host=$(sed -n 's/^host\t\(\S*\).*/\1/p' "$state/lab-up.txt")
# A serve left from an earlier run may listen on other addresses: start afresh.
serve() { slipway bundle serve --stop >/dev/null 2>&1 || true; slipway bundle serve --extra-address "$host"; }
stage "serve the bundle on $host" serve

# The generated inputs run a check (ping.yml, cluster-info.yml); the demo installs instead.
cat >"$state/inputs/operation.yml" <<EOF
apiVersion: kubean.io/v1alpha1
kind: ClusterOperation
metadata:
  name: $lab-install
spec:
  cluster: $lab
  actionType: playbook
  action: cluster.yml
  preHook:
    - actionType: playbook
      action: ping.yml
EOF
stage "install (slipway run cluster.yml)" slipway run -f "$state/inputs" --kubeconfig-out "$state/kubeconfig"
stage "kubectl get nodes" "$kubectl" --kubeconfig "$state/kubeconfig" wait --for=condition=Ready node --all --timeout=300s
"$kubectl" --kubeconfig "$state/kubeconfig" get nodes -o wide

cat <<EOF
==> demo:cluster: ready in $SECONDS s
  $kubectl --kubeconfig $state/kubeconfig get pods -A
remove it:
  node dist/src/cli/main.js lab down --name $lab && node dist/src/cli/main.js bundle serve --stop
EOF
