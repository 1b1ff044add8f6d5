#!/usr/bin/env bash
# Builds Slipway's offline bundle: every binary and image a Kubernetes cluster needs, from source
# through the Go module proxy or from Debian's packages, laid out as kubespray's files_repo and
# registry_host expect. Everything is cached outside the checkout, keyed by version; a second
# run skips each piece that is already there. Runs as root (debootstrap, chroot).
#   bash scripts/bundle/build.sh [--kube-version v1.34.4,v1.35.4]
# Settings: SLIPWAY_BUNDLE_CACHE (bundle: files/, images/, registry/), SLIPWAY_BIN_CACHE
# (binaries, shared with scripts/build-k8s.sh), SLIPWAY_DEBIAN_SUITE, SLIPWAY_DEBIAN_MIRROR,
# SLIPWAY_JOB_IMAGE_ARCHIVE / SLIPWAY_CONTROLLER_IMAGE_ARCHIVE (Slipway's own images to push).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "bundle: $*" >&2; exit 1; }

source "$repo/scripts/bundle/versions.sh"
while [ $# -gt 0 ]; do
  case $1 in
    --kube-version) BUNDLE_KUBE_VERSIONS=${2:?--kube-version needs v1.X.Y[,v1.X.Y]}; shift 2 ;;
    --kube-version=*) BUNDLE_KUBE_VERSIONS=${1#*=}; shift ;;
    *) die "unknown argument $1 (usage: build.sh [--kube-version v1.34.4,v1.35.4])" ;;
  esac
done
IFS=, read -r -a kube_versions <<<"$BUNDLE_KUBE_VERSIONS"
for v in "${kube_versions[@]}"; do [[ $v =~ ^v1\.[0-9]+\.[0-9]+$ ]] || die "--kube-version: $v is not v1.MINOR.PATCH"; done

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then PATH=/usr/local/go/bin:$PATH; fi
command -v go >/dev/null || die "Go is not installed (needed to build from source)"
bin_cache=${SLIPWAY_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/bin}
bundle=${SLIPWAY_BUNDLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/bundle}

source "$repo/scripts/lib/stage-timer.sh"
source "$repo/scripts/bundle/lib/pieces.sh"
source "$repo/scripts/bundle/lib/go-build.sh"
source "$repo/scripts/bundle/lib/binaries.sh"

echo "bundle: Kubernetes ${kube_versions[*]} into $bundle (binaries in $bin_cache)" >&2

# Binaries. Each release's kubeadm first: it names the etcd, CoreDNS and pause it wants.
declare -A etcd_versions=() coredns_versions=() pause_versions=()
for v in "${kube_versions[@]}"; do
  require_wrapper "$(kube_wrapper "$v")" k8s.io/kubernetes "$v"
  piece "kubeadm $v" "$bin_cache/kubernetes-$v/kubeadm" build_kube "$v" kubeadm
  while read -r image; do
    case $image in
      */etcd:*) t=${image##*:}; etcd_versions[v${t%-*}]=1 ;;
      */coredns:*) coredns_versions[${image##*:}]=1 ;;
      */pause:*) pause_versions[${image##*:}]=1 ;;
    esac
  done < <(kubeadm_images "$v")
done
for v in "${kube_versions[@]}"; do
  for b in kubelet kubectl kube-proxy kube-apiserver kube-controller-manager kube-scheduler; do
    piece "$b $v" "$bin_cache/kubernetes-$v/$b" build_kube "$v" "$b"
  done
done
for v in "${!etcd_versions[@]}"; do
  require_wrapper "etcd-$v" go.etcd.io/etcd/server/v3 "$v"
  piece "etcd $v" "$bin_cache/etcd-$v/etcdutl" build_etcd "$v"
done
for v in "${!coredns_versions[@]}"; do
  require_wrapper "coredns-$v" github.com/coredns/coredns "$v"
  piece "coredns $v" "$bin_cache/coredns-$v/coredns" build_coredns "$v"
done
for v in "${!pause_versions[@]}"; do
  piece "pause $v" "$bin_cache/pause-$v/pause" build_pause "$v"
done
require_wrapper "containerd-$CONTAINERD_VERSION" github.com/containerd/containerd/v2 "$CONTAINERD_VERSION"
piece "containerd $CONTAINERD_VERSION" "$bin_cache/containerd-$CONTAINERD_VERSION/containerd" build_containerd "$CONTAINERD_VERSION"
require_wrapper "runc-$RUNC_VERSION" github.com/opencontainers/runc "$RUNC_VERSION"
piece "runc $RUNC_VERSION" "$bin_cache/runc-$RUNC_VERSION/runc" build_runc "$RUNC_VERSION"
require_wrapper "cni-plugins-$CNI_PLUGINS_VERSION" github.com/containernetworking/plugins "$CNI_PLUGINS_VERSION"
piece "cni-plugins $CNI_PLUGINS_VERSION" "$bin_cache/cni-plugins-$CNI_PLUGINS_VERSION" build_cni_plugins "$CNI_PLUGINS_VERSION"
require_wrapper "flannel-$FLANNEL_VERSION" github.com/flannel-io/flannel "$FLANNEL_VERSION"
piece "flannel $FLANNEL_VERSION" "$bin_cache/flannel-$FLANNEL_VERSION/flanneld" build_flannel "$FLANNEL_VERSION"

pieces_summary
