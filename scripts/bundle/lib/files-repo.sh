# Sourced by build.sh: lays binaries out under $bundle/files/ at the paths kubespray's download
# role fetches them from (roles/kubespray_defaults/defaults/main/download.yml: *_download_url
# with dl_k8s_io_url = files_repo/dl.k8s.io and github_url = files_repo/github.com), each with a
# .sha256 ("<hash>  <name>", as `sha256sum -c` reads it), archives shaped like upstream's.

files_dir() { echo "$bundle/files"; }

# write_sha256 FILE: FILE.sha256 next to it.
write_sha256() {
  (cd "$(dirname "$1")" && sha256sum "$(basename "$1")" >"$(basename "$1").sha256.tmp" && mv "$(basename "$1").sha256.tmp" "$(basename "$1").sha256")
}

# publish_file SRC PATH [MODE]: SRC served at files_repo/PATH.
publish_file() {
  local dest
  dest=$(files_dir)/$2
  mkdir -p "$(dirname "$dest")"
  install -m "${3:-755}" "$1" "$dest.tmp"
  mv "$dest.tmp" "$dest"
  write_sha256 "$dest"
}

# publish_tgz PATH SRC_DIR PREFIX NAME...: a gzip tarball at files_repo/PATH holding
# SRC_DIR/NAME as PREFIX/NAME (root-owned, fixed times, so a rebuild gives the same bytes).
publish_tgz() {
  local path=$1 src=$2 prefix=$3 dest
  shift 3
  dest=$(files_dir)/$path
  mkdir -p "$(dirname "$dest")"
  tar -C "$src" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --mode=a+rX,go-w \
    --transform "s|^|$prefix/|" -cf - "$@" | gzip -n -9 >"$dest.tmp"
  mv "$dest.tmp" "$dest"
  write_sha256 "$dest"
}

kube_files_path() { echo "dl.k8s.io/release/$1/bin/linux/amd64/$2"; }
etcd_files_path() { echo "github.com/etcd-io/etcd/releases/download/$1/etcd-$1-linux-amd64.tar.gz"; }
containerd_files_path() { echo "github.com/containerd/containerd/releases/download/$1/containerd-${2:-}${1#v}-linux-amd64.tar.gz"; }
runc_files_path() { echo "github.com/opencontainers/runc/releases/download/$1/runc.amd64"; }
crictl_files_path() { echo "github.com/kubernetes-sigs/cri-tools/releases/download/$1/crictl-$1-linux-amd64.tar.gz"; }
cni_files_path() { echo "github.com/containernetworking/plugins/releases/download/$1/cni-plugins-linux-amd64-$1.tgz"; }

publish_kube() { publish_file "$bin_cache/kubernetes-$1/$2" "$(kube_files_path "$1" "$2")"; }

publish_etcd() {
  publish_tgz "$(etcd_files_path "$1")" "$bin_cache/etcd-$1" "etcd-$1-linux-amd64" etcd etcdctl etcdutl
}

# containerd's release has bin/...; kubespray fetches containerd-static-... when
# containerd_static_binary is set. These binaries are static either way: one tarball, two names.
publish_containerd() {
  publish_tgz "$(containerd_files_path "$1")" "$bin_cache/containerd-$1" bin containerd containerd-shim-runc-v2 ctr
  publish_file "$(files_dir)/$(containerd_files_path "$1")" "$(containerd_files_path "$1" static-)" 644
}

publish_runc() { publish_file "$bin_cache/runc-$1/runc" "$(runc_files_path "$1")"; }

publish_cni() {
  local names=() p
  for p in $CNI_PLUGINS; do names+=("$(basename "$p")"); done
  publish_tgz "$(cni_files_path "$1")" "$bin_cache/cni-plugins-$1" . "${names[@]}"
}

# cri-tools' release tarball holds crictl alone, at its top level.
publish_crictl() { publish_tgz "$(crictl_files_path "$1")" "$bin_cache/cri-tools-$1" . crictl; }
