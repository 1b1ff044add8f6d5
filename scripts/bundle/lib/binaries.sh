# Sourced by build.sh: each function builds one project's binaries into its cache directory
# ($bin_cache/<project>-<version>/), keyed by version and shared with scripts/build-k8s.sh.

# The version stamps Kubernetes' own build (hack/lib/version.sh) sets.
kube_ldflags() {
  local v=$1 minor p=k8s.io/component-base/version c=k8s.io/client-go/pkg/version
  minor=$(echo "$v" | cut -d. -f2)
  echo "-X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z" \
    "-X $c.gitVersion=$v -X $c.gitMajor=1 -X $c.gitMinor=$minor"
}

# kubeadm_images VERSION: the images the release's kubeadm pulls, one a line.
kubeadm_images() {
  "$bin_cache/kubernetes-$1/kubeadm" config images list --kubernetes-version "$1" 2>/dev/null
}

kube_wrapper() { echo "kubernetes-v1.$(echo "$1" | cut -d. -f2)"; }

# build_kube VERSION NAME: one Kubernetes binary (kubeadm, kubelet, kube-apiserver, ...).
build_kube() {
  go_build "$(kube_wrapper "$1")" "$bin_cache/kubernetes-$1/$2" "k8s.io/kubernetes/cmd/$2" "$(kube_ldflags "$1")"
}

# build_etcd VERSION: etcd, etcdctl and etcdutl, as in etcd's release tarball.
build_etcd() {
  local v=$1 d=$bin_cache/etcd-$1 w=etcd-$1
  go_build "$w" "$d/etcd" go.etcd.io/etcd/server/v3
  go_build "$w" "$d/etcdctl" go.etcd.io/etcd/etcdctl/v3
  go_build "$w" "$d/etcdutl" go.etcd.io/etcd/etcdutl/v3
}

# build_containerd VERSION: the binaries of containerd's release tarball that a node uses.
build_containerd() {
  local v=$1 d=$bin_cache/containerd-$1 m=github.com/containerd/containerd/v2 flags
  flags="-X $m/version.Version=$v -X $m/version.Package=github.com/containerd/containerd/v2"
  go_build "containerd-$v" "$d/containerd-shim-runc-v2" "$m/cmd/containerd-shim-runc-v2" "$flags"
  go_build "containerd-$v" "$d/ctr" "$m/cmd/ctr" "$flags"
  go_build "containerd-$v" "$d/containerd" "$m/cmd/containerd" "$flags"
}

# build_runc VERSION: static like runc's release (runc.amd64): cgo for nsenter, libseccomp linked in.
build_runc() {
  local v=$1
  CGO_ENABLED=1 go_build "runc-$v" "$bin_cache/runc-$v/runc" github.com/opencontainers/runc \
    "-X main.version=${v#v} -extldflags -static" "seccomp urfave_cli_no_docs netgo osusergo"
}

readonly CNI_PLUGINS="ipam/dhcp ipam/host-local ipam/static main/bridge main/dummy main/host-device main/ipvlan main/loopback main/macvlan main/ptp main/tap main/vlan meta/bandwidth meta/firewall meta/portmap meta/sbr meta/tuning meta/vrf"

# build_cni_plugins VERSION: the plugins of containernetworking's release tarball, one go build.
build_cni_plugins() {
  local v=$1 d=$bin_cache/cni-plugins-$1 p pkgs=()
  for p in $CNI_PLUGINS; do pkgs+=("github.com/containernetworking/plugins/plugins/$p"); done
  rm -rf "$d.tmp" && mkdir -p "$d.tmp"
  (cd "$repo/tools/cni-plugins-$v" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -p 2 -trimpath \
    -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$v" -o "$d.tmp/" "${pkgs[@]}")
  mv "$d.tmp" "$d"
}

# build_crictl VERSION: crictl, stamped as cri-tools' Makefile does (version without the "v").
build_crictl() {
  go_build "cri-tools-$1" "$bin_cache/cri-tools-$1/crictl" sigs.k8s.io/cri-tools/cmd/crictl "-X sigs.k8s.io/cri-tools/pkg/version.Version=${1#v}"
}

build_coredns() {
  go_build "coredns-$1" "$bin_cache/coredns-$1/coredns" github.com/coredns/coredns "-X github.com/coredns/coredns/coremain.GitCommit=$1"
}

# build_flannel VERSION: static with cgo, as flannel's Makefile builds it on amd64 (its udp
# backend is C).
build_flannel() {
  CGO_ENABLED=1 go_build "flannel-$1" "$bin_cache/flannel-$1/flanneld" github.com/flannel-io/flannel \
    "-X github.com/flannel-io/flannel/pkg/version.Version=$1 -extldflags -static"
}

# build_flannel_cni VERSION: the flannel CNI plugin, which delegates to bridge and host-local
# with the subnet flanneld writes to /run/flannel/subnet.env.
build_flannel_cni() {
  go_build "flannel-cni-$1" "$bin_cache/flannel-cni-$1/flannel" github.com/containernetworking/plugins/plugins/meta/flannel \
    "-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$1"
}

# build_pause VERSION: the pause program (scripts/bundle/pause.c), static.
build_pause() {
  local d=$bin_cache/pause-$1
  mkdir -p "$d"
  gcc -static -Os -s -Wall -Wextra -Werror -DVERSION="\"$1\"" -o "$d/pause.tmp" "$repo/scripts/bundle/pause.c"
  mv "$d/pause.tmp" "$d/pause"
}
