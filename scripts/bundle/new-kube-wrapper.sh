#!/usr/bin/env bash
# Creates tools/kubernetes-v<minor>/, the wrapper module pinning one Kubernetes release for the
# offline bundle: k8s.io/kubernetes at VERSION, its staging modules (k8s.io/api, ...) replaced by
# the matching v0.<minor>.<patch> tags as kubernetes' own go.mod replaces them by directory.
#   bash scripts/bundle/new-kube-wrapper.sh v1.35.4
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
version=${1:?usage: new-kube-wrapper.sh v1.MINOR.PATCH}
[[ $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "new-kube-wrapper: $version is not v1.MINOR.PATCH" >&2; exit 2; }
minor=${BASH_REMATCH[1]}
staging=v0.${minor}.${BASH_REMATCH[2]}
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then PATH=/usr/local/go/bin:$PATH; fi
dir=$here/tools/kubernetes-v1.$minor
mkdir -p "$dir"
upstream=$(go mod download -json "k8s.io/kubernetes@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
{
  echo "module slipway.local/tools/kubernetes-v1.$minor"
  echo
  echo "go $(sed -n 's/^go //p' "$upstream")"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  sed -n 's#^\t\(k8s.io/[a-z-]*\) => ./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$upstream"
  echo ")"
  echo
  echo "tool ("
  for cmd in kubeadm kubelet kubectl kube-proxy kube-apiserver kube-controller-manager kube-scheduler; do
    printf '\tk8s.io/kubernetes/cmd/%s\n' "$cmd"
  done
  echo ")"
} >"$dir/go.mod"
(cd "$dir" && go mod tidy)
echo "new-kube-wrapper: $dir pins k8s.io/kubernetes $version"
