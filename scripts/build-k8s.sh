#!/usr/bin/env bash
# Builds the Kubernetes control plane, etcd, kwok and helm from source through the Go module proxy.
# Versions come from the wrapper modules in tools/; binaries are cached outside the checkout,
# keyed by version, so a fresh clone on the same machine reuses them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# The machine's Go lives in /usr/local/go; a non-login shell may not have it on PATH.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then PATH=/usr/local/go/bin:$PATH; fi
command -v go >/dev/null || { echo "build-k8s: Go is not installed (needed to build Kubernetes from source)" >&2; exit 1; }
cache=${SLIPWAY_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/bin}

modver() { # modver <dir> <module>: the version the wrapper module pins
  (cd "$here/tools/$1" && go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2")
}

# build <wrapper dir> <out dir> <package> <binary name> [ldflags]
build() {
  local dir=$1 out=$2 pkg=$3 name=$4 ldflags=${5:-}
  if [ -x "$out/$name" ]; then echo "build-k8s: $name cached at $out"; return; fi
  echo "build-k8s: building $name (first build takes minutes)"
  mkdir -p "$out"
  local t0=$SECONDS
  # One binary at a time, low parallelism: the linker of kube-apiserver needs several GiB.
  (cd "$here/tools/$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -p 2 -trimpath \
    -ldflags "-s -w $ldflags" -o "$out/$name.tmp" "$pkg")
  mv "$out/$name.tmp" "$out/$name"
  echo "build-k8s: built $name in $((SECONDS - t0)) s"
}

k8s=$(modver k8s k8s.io/kubernetes)
minor=$(echo "$k8s" | cut -d. -f2)
kdir="$cache/kubernetes-$k8s"
vpkg=k8s.io/component-base/version
kflags="-X $vpkg.gitVersion=$k8s -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
kflags="$kflags -X k8s.io/client-go/pkg/version.gitVersion=$k8s -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
# kubeadm: the playbook tests validate the rendered kubeadm configuration with it.
for bin in kube-apiserver kube-controller-manager kube-scheduler kubectl kubeadm; do
  build k8s "$kdir" "k8s.io/kubernetes/cmd/$bin" "$bin" "$kflags"
done

etcd=$(modver etcd go.etcd.io/etcd/server/v3)
edir="$cache/etcd-$etcd"
build etcd "$edir" go.etcd.io/etcd/server/v3 etcd
build etcd "$edir" go.etcd.io/etcd/etcdctl/v3 etcdctl

kwok=$(modver kwok sigs.k8s.io/kwok)
wdir="$cache/kwok-$kwok"
build kwok "$wdir" sigs.k8s.io/kwok/cmd/kwok kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$kwok"

helm=$(modver helm helm.sh/helm/v3)
hdir="$cache/helm-$helm"
# As helm's Makefile: the version, and the Kubernetes version lint and template assume (client-go's minor).
hk8s=$(modver helm k8s.io/client-go | cut -d. -f2)
hflags="-X helm.sh/helm/v3/internal/version.version=$helm -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for p in pkg/lint/rules pkg/chartutil; do hflags="$hflags -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$hk8s"; done
build helm "$hdir" helm.sh/helm/v3/cmd/helm helm "$hflags"

# One file the test harness reads to find every binary.
mkdir -p "$cache"
cat > "$cache/paths.env" <<ENV
SLIPWAY_KUBE_BIN=$kdir
SLIPWAY_ETCD_BIN=$edir
SLIPWAY_KWOK_BIN=$wdir
SLIPWAY_HELM_BIN=$hdir
ENV
echo "build-k8s: binaries ready in ${SECONDS} s ($k8s, etcd $etcd, kwok $kwok, helm $helm)"
