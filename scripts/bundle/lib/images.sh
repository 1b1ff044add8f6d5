# Sourced by build.sh: the bundle's images, each an OCI archive in $bundle/images/ named after
# what it holds. Entrypoints, commands and users follow the upstream images, so kubeadm's
# static pod manifests and kubespray's manifests run them unchanged; the Kubernetes component
# images start their binary directly (upstream starts /go-runner, which kubeadm's `command:`
# replaces anyway).

images_dir() { echo "$bundle/images"; }
image_archive() { echo "$(images_dir)/$(echo "$1" | tr '/:' '__').oci.tar"; }

# new_work_dir: a scratch directory under $work_root, which build.sh removes when it exits.
new_work_dir() {
  mkdir -p "$(images_dir)"
  mktemp -d "$work_root/XXXXXX"
}

readonly STATIC_PATH=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# image_kube_component REF VERSION NAME: kube-apiserver, kube-controller-manager, kube-scheduler.
image_kube_component() {
  local ref=$1 v=$2 name=$3 work
  work=$(new_work_dir)
  static_rootfs "$work/rootfs"
  install -m 755 "$bin_cache/kubernetes-$v/$name" "$work/rootfs/usr/local/bin/$name"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" \
    --config.entrypoint "/usr/local/bin/$name" --config.env "$STATIC_PATH"
}

# image_kube_proxy REF VERSION: kube-proxy programs the node with iptables/ip6tables (nft
# backend, Debian's default), nft in nftables mode, ipset in ipvs mode, conntrack to flush entries.
image_kube_proxy() {
  local ref=$1 v=$2 work
  work=$(new_work_dir)
  debian_rootfs "$work/rootfs" iptables nftables ipset conntrack kmod
  install -m 755 "$bin_cache/kubernetes-$v/kube-proxy" "$work/rootfs/usr/local/bin/kube-proxy"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" \
    --config.entrypoint /usr/local/bin/kube-proxy --config.env "$STATIC_PATH"
}

# image_etcd REF ETCD_VERSION: etcd, etcdctl, etcdutl in /usr/local/bin; kubeadm's manifest runs `etcd`.
image_etcd() {
  local ref=$1 v=$2 work b
  work=$(new_work_dir)
  static_rootfs "$work/rootfs"
  for b in etcd etcdctl etcdutl; do install -m 755 "$bin_cache/etcd-$v/$b" "$work/rootfs/usr/local/bin/$b"; done
  install -d -m 700 "$work/rootfs/var/lib/etcd"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" \
    --config.cmd /usr/local/bin/etcd --config.env "$STATIC_PATH" \
    --config.exposedports 2379/tcp --config.exposedports 2380/tcp
}

# image_coredns REF VERSION: /coredns as the entrypoint; kubeadm's Deployment passes -conf.
image_coredns() {
  local ref=$1 v=$2 work
  work=$(new_work_dir)
  static_rootfs "$work/rootfs"
  install -m 755 "$bin_cache/coredns-$v/coredns" "$work/rootfs/coredns"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" \
    --config.entrypoint /coredns \
    --config.exposedports 53/tcp --config.exposedports 53/udp --config.exposedports 9153/tcp
}

# image_pause REF VERSION: /pause alone, as user 65535 like upstream.
image_pause() {
  local ref=$1 v=$2 work
  work=$(new_work_dir)
  install -d -m 755 "$work/rootfs"
  install -m 755 "$bin_cache/pause-$v/pause" "$work/rootfs/pause"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" \
    --config.entrypoint /pause --config.user 65535:65535
}

# image_flannel REF VERSION: flanneld at /opt/bin like upstream, with iptables for its
# masquerade and forward rules and a shell for kube-flannel.yml's `cp` init container.
image_flannel() {
  local ref=$1 v=$2 work
  work=$(new_work_dir)
  debian_rootfs "$work/rootfs" iptables nftables
  install -d -m 755 "$work/rootfs/opt/bin"
  install -m 755 "$bin_cache/flannel-$v/flanneld" "$work/rootfs/opt/bin/flanneld"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" \
    --config.entrypoint /opt/bin/flanneld --config.env "$STATIC_PATH"
}

# image_flannel_cni REF VERSION: /flannel for kube-flannel.yml's install-cni-plugin init
# container, which copies it to the host's /opt/cni/bin with `cp`.
image_flannel_cni() {
  local ref=$1 v=$2 work
  work=$(new_work_dir)
  debian_rootfs "$work/rootfs"
  install -m 755 "$bin_cache/flannel-cni-$v/flannel" "$work/rootfs/flannel"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" --config.env "$STATIC_PATH"
}

# image_nginx ARCHIVE REPO: Debian's nginx-light for the workers' nginx-proxy; tagged with the
# nginx version inside, as nginx's own images are. kubespray mounts its own /etc/nginx, whose
# nginx.conf proxies the apiservers in a `stream` block and loads no modules: Debian builds the
# stream module as a loadable one, so the command loads it (as upstream's image has it built in).
readonly NGINX_STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so
image_nginx() {
  local archive=$1 repo=$2 work version
  work=$(new_work_dir)
  debian_rootfs "$work/rootfs" nginx-light libnginx-mod-stream
  version=$(chroot "$work/rootfs" dpkg-query -W -f '${Version}' nginx-light)
  [ -f "$work/rootfs$NGINX_STREAM_MODULE" ] || die "nginx image: no $NGINX_STREAM_MODULE"
  # Loaded by the command instead, once, whatever configuration is mounted.
  rm -f "$work/rootfs/etc/nginx/modules-enabled/"*stream*.conf "$work/rootfs/etc/nginx/sites-enabled/default"
  # nginx opens its compiled-in logs unless told otherwise; as in upstream's image they are the
  # container's output (clean_rootfs emptied /var/log).
  install -d -m 755 "$work/rootfs/var/log/nginx"
  ln -s /dev/stdout "$work/rootfs/var/log/nginx/access.log"
  ln -s /dev/stderr "$work/rootfs/var/log/nginx/error.log"
  oci_pack_rootfs "$work/rootfs" "$archive" "$repo:${version%%-*}" \
    --config.cmd nginx --config.cmd -g --config.cmd "daemon off; load_module $NGINX_STREAM_MODULE;" \
    --config.stopsignal SIGQUIT --config.exposedports 80/tcp --config.env "$STATIC_PATH"
}

# image_redis REF: Debian's redis-server as uid/gid 999 (charts/slipway's bundled Redis runs as
# 999), data in /data like the upstream image.
image_redis() {
  local ref=$1 work
  work=$(new_work_dir)
  debian_rootfs "$work/rootfs"
  # Created first so that the package's postinst finds the user and keeps its ids.
  chroot "$work/rootfs" groupadd --system --gid 999 redis
  chroot "$work/rootfs" useradd --system --uid 999 --gid 999 --home-dir /var/lib/redis --shell /usr/sbin/nologin redis
  in_chroot "$work/rootfs" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server'
  clean_rootfs "$work/rootfs"
  install -d -m 755 -o 999 -g 999 "$work/rootfs/data"
  oci_pack_rootfs "$work/rootfs" "$(image_archive "$ref")" "$ref" \
    --config.cmd redis-server --config.user 999:999 --config.workingdir /data \
    --config.exposedports 6379/tcp --config.volume /data --config.env "$STATIC_PATH"
}
