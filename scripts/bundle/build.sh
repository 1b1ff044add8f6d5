#!/usr/bin/env bash
# Builds Slipway's offline bundle: every binary and image a Kubernetes cluster needs, from source
# through the Go module proxy or from Debian's packages, laid out as kubespray's files_repo and
# registry_host expect. Everything is cached outside the checkout, keyed by version; a second
# run skips each piece that is already there. Runs as root (debootstrap, chroot).
#   bash scripts/bundle/build.sh [--kube-version v1.34.4,v1.35.4]
# Settings: SLIPWAY_BUNDLE_CACHE (bundle: files/, images/, registry/), SLIPWAY_BIN_CACHE
# (binaries, shared with scripts/build-k8s.sh), SLIPWAY_DEBIAN_SUITE, SLIPWAY_DEBIAN_MIRROR,
# SLIPWAY_CONTROLLER_IMAGE_ARCHIVE (a controller image to push instead of building one; the job
# and controller images are built by scripts/build-job-image.sh and build-controller-image.sh).
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
source "$repo/scripts/lib/job-rootfs.sh"
source "$repo/scripts/lib/oci-pack.sh"
for f in pieces go-build binaries files-repo image-rootfs images registry kubespray-vars; do
  source "$repo/scripts/bundle/lib/$f.sh"
done

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot need it)"
# The Debian base image is keyed by its mirror: without one there is nothing to build from.
debian_mirror >/dev/null || die "no Debian mirror (see above)"
for tool in debootstrap umoci skopeo docker-registry gcc curl; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install -y debootstrap umoci skopeo docker-registry gcc libseccomp-dev pkg-config curl"
done
mkdir -p "$bundle"
exec 9>"$bundle/.build.lock"
flock -n 9 || die "another bundle build holds $bundle/.build.lock"
work_root=$(mktemp -d "$bundle/.work-XXXXXX")
cleanup() {
  registry_stop
  # debootstrap mounts /proc and /sys in a root filesystem; never delete through a mount.
  findmnt -rn -o TARGET | { grep -F "$work_root/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work_root"
}
trap cleanup EXIT
echo "bundle: Kubernetes ${kube_versions[*]} into $bundle (binaries in $bin_cache)" >&2

# Binaries. Each release's kubeadm first: it names the etcd, CoreDNS and pause images it wants.
declare -A etcd_refs=() coredns_refs=() pause_refs=() etcd_for=() coredns_for=() pause_for=()
for v in "${kube_versions[@]}"; do
  require_wrapper "$(kube_wrapper "$v")" k8s.io/kubernetes "$v"
  piece "kubeadm $v" "$bin_cache/kubernetes-$v/kubeadm" build_kube "$v" kubeadm
  while read -r ref; do
    t=${ref##*:}
    case $ref in
      */etcd:*) etcd_refs[$ref]=v${t%-*} etcd_for[$v]=${t%-*} ;;
      */coredns:*) coredns_refs[$ref]=$t coredns_for[$v]=${t#v} ;;
      */pause:*) pause_refs[$ref]=$t pause_for[$v]=$t ;;
    esac
  done < <(kubeadm_images "$v")
  [ -n "${etcd_for[$v]:-}" ] && [ -n "${coredns_for[$v]:-}" ] && [ -n "${pause_for[$v]:-}" ] ||
    die "kubeadm $v did not list its etcd, CoreDNS and pause images (kubeadm config images list --kubernetes-version $v)"
done
for v in "${kube_versions[@]}"; do
  for b in kubelet kubectl kube-proxy kube-apiserver kube-controller-manager kube-scheduler; do
    piece "$b $v" "$bin_cache/kubernetes-$v/$b" build_kube "$v" "$b"
  done
done
for v in $(printf '%s\n' "${etcd_refs[@]}" | sort -u); do
  require_wrapper "etcd-$v" go.etcd.io/etcd/server/v3 "$v"
  piece "etcd $v" "$bin_cache/etcd-$v/etcdutl" build_etcd "$v"
done
for v in $(printf '%s\n' "${coredns_refs[@]}" | sort -u); do
  require_wrapper "coredns-$v" github.com/coredns/coredns "$v"
  piece "coredns $v" "$bin_cache/coredns-$v/coredns" build_coredns "$v"
done
for v in $(printf '%s\n' "${pause_refs[@]}" | sort -u); do
  piece "pause $v" "$bin_cache/pause-$v/pause" build_pause "$v"
done
require_wrapper "containerd-$CONTAINERD_VERSION" github.com/containerd/containerd/v2 "$CONTAINERD_VERSION"
piece "containerd $CONTAINERD_VERSION" "$bin_cache/containerd-$CONTAINERD_VERSION/containerd" build_containerd "$CONTAINERD_VERSION"
require_wrapper "runc-$RUNC_VERSION" github.com/opencontainers/runc "$RUNC_VERSION"
piece "runc $RUNC_VERSION" "$bin_cache/runc-$RUNC_VERSION/runc" build_runc "$RUNC_VERSION"
require_wrapper "cni-plugins-$CNI_PLUGINS_VERSION" github.com/containernetworking/plugins "$CNI_PLUGINS_VERSION"
piece "cni-plugins $CNI_PLUGINS_VERSION" "$bin_cache/cni-plugins-$CNI_PLUGINS_VERSION" build_cni_plugins "$CNI_PLUGINS_VERSION"
require_wrapper "cri-tools-$CRICTL_VERSION" sigs.k8s.io/cri-tools "$CRICTL_VERSION"
piece "crictl $CRICTL_VERSION" "$bin_cache/cri-tools-$CRICTL_VERSION/crictl" build_crictl "$CRICTL_VERSION"
require_wrapper "flannel-$FLANNEL_VERSION" github.com/flannel-io/flannel "$FLANNEL_VERSION"
piece "flannel $FLANNEL_VERSION" "$bin_cache/flannel-$FLANNEL_VERSION/flanneld" build_flannel "$FLANNEL_VERSION"
require_wrapper "flannel-cni-$FLANNEL_CNI_VERSION" github.com/containernetworking/plugins "$FLANNEL_CNI_VERSION"
piece "flannel CNI plugin $FLANNEL_CNI_VERSION" "$bin_cache/flannel-cni-$FLANNEL_CNI_VERSION/flannel" build_flannel_cni "$FLANNEL_CNI_VERSION"

# The file repository (files_repo).
f=$(files_dir)
for v in "${kube_versions[@]}"; do
  for b in kubeadm kubelet kubectl; do
    piece "files: $b $v" "$f/$(kube_files_path "$v" "$b").sha256" publish_kube "$v" "$b"
  done
done
for v in $(printf '%s\n' "${etcd_refs[@]}" | sort -u); do
  piece "files: etcd $v" "$f/$(etcd_files_path "$v").sha256" publish_etcd "$v"
done
piece "files: containerd $CONTAINERD_VERSION" "$f/$(containerd_files_path "$CONTAINERD_VERSION" static-).sha256" publish_containerd "$CONTAINERD_VERSION"
piece "files: runc $RUNC_VERSION" "$f/$(runc_files_path "$RUNC_VERSION").sha256" publish_runc "$RUNC_VERSION"
piece "files: cni-plugins $CNI_PLUGINS_VERSION" "$f/$(cni_files_path "$CNI_PLUGINS_VERSION").sha256" publish_cni "$CNI_PLUGINS_VERSION"
piece "files: crictl $CRICTL_VERSION" "$f/$(crictl_files_path "$CRICTL_VERSION").sha256" publish_crictl "$CRICTL_VERSION"

# Images: archives first, then one push each (kubespray's layout under registry_host).
pushes=()
add_image() { # add_image REF COMMAND...: builds REF's archive unless cached, queues its push
  local ref=$1
  shift
  piece "image $ref" "$(image_archive "$ref")" "$@"
  pushes+=("$(image_archive "$ref") $ref")
}
mkdir -p "$bundle/rootfs"
piece "debian $DEBIAN_SUITE minbase" "$(base_rootfs_tar)" build_base_rootfs "$(base_rootfs_tar)"
for v in "${kube_versions[@]}"; do
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    add_image "registry.k8s.io/$c:$v" image_kube_component "registry.k8s.io/$c:$v" "$v" "$c"
  done
  add_image "registry.k8s.io/kube-proxy:$v" image_kube_proxy "registry.k8s.io/kube-proxy:$v" "$v"
done
for ref in "${!etcd_refs[@]}"; do
  add_image "$ref" image_etcd "$ref" "${etcd_refs[$ref]}"
  # kubespray's etcd_image_repo, for etcd_deployment_type=docker/containerd.
  pushes+=("$(image_archive "$ref") quay.io/coreos/etcd:${etcd_refs[$ref]}")
done
for ref in "${!coredns_refs[@]}"; do
  add_image "$ref" image_coredns "$ref" "${coredns_refs[$ref]}"
  # kubeadm given any other --image-repository (as Slipway's roles give it) drops the second
  # "coredns": <registry_host>/registry.k8s.io/coredns:<tag>.
  pushes+=("$(image_archive "$ref") registry.k8s.io/coredns:${coredns_refs[$ref]}")
done
for ref in "${!pause_refs[@]}"; do add_image "$ref" image_pause "$ref" "${pause_refs[$ref]}"; done
add_image "docker.io/flannel/flannel:$FLANNEL_VERSION" image_flannel "docker.io/flannel/flannel:$FLANNEL_VERSION" "$FLANNEL_VERSION"
add_image "docker.io/flannel/flannel-cni-plugin:$FLANNEL_CNI_VERSION" image_flannel_cni "docker.io/flannel/flannel-cni-plugin:$FLANNEL_CNI_VERSION" "$FLANNEL_CNI_VERSION"
slipway_version=$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$repo/package.json")
add_image "slipway/redis:$slipway_version" image_redis "slipway/redis:$slipway_version"
nginx_archive=$(images_dir)/nginx-light-$DEBIAN_SUITE.oci.tar
piece "image nginx (Debian $DEBIAN_SUITE nginx-light)" "$nginx_archive" image_nginx "$nginx_archive" docker.io/library/nginx
pushes+=("$nginx_archive $(archive_ref "$nginx_archive")")
# The job image carries scripts/build-k8s.sh's kubectl; without that build, this bundle's.
[ -n "${SLIPWAY_KUBE_BIN:-}" ] || [ -f "$bin_cache/paths.env" ] || export SLIPWAY_KUBE_BIN=$bin_cache/kubernetes-${kube_versions[0]}
job_image() { job_archive=$(bash "$repo/scripts/build-job-image.sh"); }
stage "job image (scripts/build-job-image.sh, cached by its inputs)" job_image
pushes+=("$job_archive $(archive_ref "$job_archive")")
# The controller image too (the Helm chart's default), unless one is given.
controller_image() { controller_archive=${SLIPWAY_CONTROLLER_IMAGE_ARCHIVE:-$(bash "$repo/scripts/build-controller-image.sh")}; }
stage "controller image (scripts/build-controller-image.sh, cached by its inputs)" controller_image
pushes+=("$controller_archive $(archive_ref "$controller_archive")")

for p in "${pushes[@]}"; do
  archive=${p%% *} ref=${p#* }
  piece "push $ref" "$(pushed_marker "$ref" "$archive")" push_image "$archive" "$ref"
done
registry_stop

# What the bundle holds, for `slipway bundle serve`, the tests and kubespray.
printf '%s\n' "${pushes[@]}" | sort -k2 >"$bundle/images.txt.tmp" && mv "$bundle/images.txt.tmp" "$bundle/images.txt"
(cd "$f" && find . -name '*.sha256' | sed 's|^\./||; s|\.sha256$||' | sort) >"$bundle/files.txt.tmp" && mv "$bundle/files.txt.tmp" "$bundle/files.txt"
write_kubespray_vars "$f/kubespray-vars.yml"

pieces_summary
