# Sourced by build.sh: what the offline bundle holds. Each Go project is built from the wrapper
# module tools/<project>-<version>/ (scripts/bundle/new-go-wrapper.sh makes one). etcd, CoreDNS
# and pause follow what each release's kubeadm asks for (`kubeadm config images list`).
BUNDLE_KUBE_VERSIONS=${BUNDLE_KUBE_VERSIONS:-v1.34.4,v1.35.4}
CONTAINERD_VERSION=v2.2.9
RUNC_VERSION=v1.3.6
CNI_PLUGINS_VERSION=v1.7.1
CRICTL_VERSION=v1.34.0
FLANNEL_VERSION=v0.26.7
# flannel's CNI plugin (flannel-io/cni-plugin) is refused by the module proxy; containernetworking
# /plugins shipped the same plugin (plugins/meta/flannel) until it moved, last in v0.9.1.
FLANNEL_CNI_VERSION=v0.9.1
# The tag of the workers' nginx-proxy image: the nginx version of Debian's nginx-light inside it.
DEBIAN_SUITE=${SLIPWAY_DEBIAN_SUITE:-bookworm}
