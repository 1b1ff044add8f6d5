# Sourced by the image build scripts: root filesystems built with debootstrap from
# Debian's mirror, without a container daemon or registry. Runs as root.

readonly JOB_UID=65532

# debootstrap_rootfs ROOTFS SUITE MIRROR DEB_CACHE PACKAGES(comma-separated)
debootstrap_rootfs() {
  local rootfs=$1 suite=$2 mirror=$3 debs=$4 packages=$5
  mkdir -p "$debs"
  # --include resolves the packages' dependencies (not their recommends); the .debs are kept
  # in DEB_CACHE so a rebuild with other inputs downloads nothing twice.
  local log=$debs/../debootstrap.log
  debootstrap --variant=minbase --include="$packages" --cache-dir="$debs" \
    "$suite" "$rootfs" "$mirror" >"$log" 2>&1 || {
    cat "$rootfs/debootstrap/debootstrap.log" >>"$log" 2>/dev/null
    tail -30 "$log" >&2
    echo "debootstrap failed (log: $log)" >&2
    return 1
  }
}

# install_slipway ROOTFS REPO KUBECTL: Slipway's playbooks, entrypoint and sidecars, kubectl; the user.
install_slipway() {
  local rootfs=$1 repo=$2 kubectl=$3
  install -d -m 755 "$rootfs/opt/slipway/bin" "$rootfs/opt/slipway/playbooks"
  cp -a "$repo/playbooks/." "$rootfs/opt/slipway/playbooks/"
  find "$rootfs/opt/slipway/playbooks" -name __pycache__ -prune -exec rm -rf {} +
  install -m 755 "$repo/job-image/entrypoint.sh" "$repo/job-image/read-plan.py" \
    "$repo/job-image/ssh-agent.sh" "$repo/job-image/kubeconfig-upload.py" "$rootfs/opt/slipway/bin/"
  install -m 755 "$kubectl" "$rootfs/usr/local/bin/kubectl"
  chown -R 0:0 "$rootfs/opt/slipway"
  chmod -R a+rX,go-w "$rootfs/opt/slipway"
  # ssh refuses to run for a uid without a passwd entry, so the image's user must have one.
  echo "slipway:x:$JOB_UID:$JOB_UID:Slipway job:/home/slipway:/usr/sbin/nologin" >>"$rootfs/etc/passwd"
  echo "slipway:x:$JOB_UID:" >>"$rootfs/etc/group"
  echo "slipway:!:19000::::::" >>"$rootfs/etc/shadow"
  install -d -m 700 -o "$JOB_UID" -g "$JOB_UID" "$rootfs/home/slipway"
}

# clean_rootfs ROOTFS: no package caches, logs or anything of the build machine in the image.
clean_rootfs() {
  local rootfs=$1
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs"/root/.[!.]* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/* "$rootfs"/run/*
  # Mirrors and machine identity of the build host do not belong in the image.
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  : >"$rootfs/etc/machine-id"
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
}

# check_rootfs ROOTFS: the image runs what the entrypoint needs, as its user.
check_rootfs() {
  local rootfs=$1
  chroot --userspec="$JOB_UID:$JOB_UID" "$rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp \
    sh -c 'ansible-playbook --version | head -1 && ssh -V && command -v ssh-agent ssh-add && python3 --version && bash --version | head -1 && kubectl version --client | head -1'
}

# apt_mirror [ROOT]: the first Debian mirror apt is configured with under ROOT (default /): a
# URI ending in /debian in a deb822 URIs: line or a one-line `deb [options] URI suite` entry.
apt_mirror() {
  local root=${1:-}
  cat "$root"/etc/apt/sources.list.d/*.sources "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "URIs:" || $1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\/.+\/debian\/?$/) { sub(/\/$/, "", $i); print $i; exit } }' || true
}

# debian_mirror [ROOT]: SLIPWAY_DEBIAN_MIRROR, else the machine's own apt mirror. No address is
# written here: a machine without either cannot build images, and says so.
debian_mirror() {
  local m=${SLIPWAY_DEBIAN_MIRROR:-$(apt_mirror "${1:-}")}
  if [ -z "$m" ]; then
    echo "no Debian mirror: apt has no 'debian' source in ${1:-}/etc/apt/sources.list(.d) and SLIPWAY_DEBIAN_MIRROR is unset; set it to your Debian mirror (the URI ending in /debian)" >&2
    return 1
  fi
  echo "$m"
}
