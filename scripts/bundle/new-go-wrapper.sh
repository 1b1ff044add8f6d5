#!/usr/bin/env bash
# Creates tools/NAME/, a wrapper module pinning one upstream project for the offline bundle:
# each PACKAGE@VERSION becomes a `tool` of the module, with go.sum recording every dependency.
#   bash scripts/bundle/new-go-wrapper.sh runc-v1.3.6 github.com/opencontainers/runc@v1.3.6
#   bash scripts/bundle/new-go-wrapper.sh etcd-v3.6.5 go.etcd.io/etcd/server/v3@v3.6.5 go.etcd.io/etcd/etcdctl/v3@v3.6.5
# Kubernetes needs its staging replacements: scripts/bundle/new-kube-wrapper.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:?usage: new-go-wrapper.sh NAME PACKAGE@VERSION...}
shift
[ $# -gt 0 ] || { echo "new-go-wrapper: no PACKAGE@VERSION given" >&2; exit 2; }
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then PATH=/usr/local/go/bin:$PATH; fi
dir=$here/tools/$name
[ ! -e "$dir/go.mod" ] || { echo "new-go-wrapper: $dir/go.mod exists" >&2; exit 1; }
mkdir -p "$dir"
(cd "$dir" && go mod init "slipway.local/tools/$name" >/dev/null 2>&1 && go get -tool "$@" && go mod tidy)
echo "new-go-wrapper: $dir pins $*"
