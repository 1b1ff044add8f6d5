# Sourced by build.sh: root filesystems for the bundle's images. Debian-based images start from
# one debootstrap minbase (cached as a tarball, keyed by suite and mirror) plus their packages;
# images whose upstream is distroless get a skeleton with only what a static binary needs.
# Uses debootstrap_rootfs and clean_rootfs from scripts/lib/job-rootfs.sh.

base_rootfs_tar() { echo "$bundle/rootfs/$DEBIAN_SUITE-minbase-$(debian_mirror | sha256sum | cut -c1-8).tar"; }

# build_base_rootfs TAR: debootstrap minbase with ca-certificates, updated from the suite's
# -updates and -security pockets, packed into TAR.
build_base_rootfs() {
  local tar=$1 mirror rootfs
  mirror=$(debian_mirror)
  rootfs=$(new_work_dir)
  debootstrap_rootfs "$rootfs/fs" "$DEBIAN_SUITE" "$mirror" "$bundle/rootfs/debs" ca-certificates
  cat >"$rootfs/fs/etc/apt/sources.list" <<LIST
deb $mirror $DEBIAN_SUITE main
deb $mirror $DEBIAN_SUITE-updates main
deb ${mirror%/debian*}/debian-security $DEBIAN_SUITE-security main
LIST
  in_chroot "$rootfs/fs" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq'
  clean_rootfs "$rootfs/fs"
  tar -C "$rootfs/fs" --numeric-owner -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
}

# in_chroot ROOTFS COMMAND...: runs COMMAND in ROOTFS with the host's DNS, its output in a
# log shown only if it fails; services that a package would start stay stopped (policy-rc.d),
# so nothing binds a port on this machine.
in_chroot() {
  local rootfs=$1 log rc=0
  shift
  log=$(mktemp "$work_root/chroot-XXXXXX.log")
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  # The base has an empty /dev (clean_rootfs); apt and maintainer scripts need these.
  [ -e "$rootfs/dev/null" ] || mknod -m 666 "$rootfs/dev/null" c 1 3
  [ -e "$rootfs/dev/zero" ] || mknod -m 666 "$rootfs/dev/zero" c 1 5
  [ -e "$rootfs/dev/urandom" ] || mknod -m 666 "$rootfs/dev/urandom" c 1 9
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@" >"$log" 2>&1 || rc=$?
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  : >"$rootfs/etc/resolv.conf"
  if [ $rc -ne 0 ]; then
    tail -30 "$log" >&2
    echo "bundle: in $rootfs: $* failed ($rc)" >&2
  fi
  return $rc
}

# debian_rootfs DIR PACKAGE...: the base plus PACKAGEs (no recommends) in DIR, cleaned.
debian_rootfs() {
  local dir=$1
  shift
  mkdir -p "$dir"
  tar -C "$dir" --numeric-owner -xf "$(base_rootfs_tar)"
  in_chroot "$dir" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"' sh "$@"
  clean_rootfs "$dir"
}

# static_rootfs DIR: what a static binary's image holds besides the binary: users root,
# nonroot (65532) and nobody, CA certificates from the base, /tmp.
static_rootfs() {
  local dir=$1
  install -d -m 755 "$dir/etc/ssl/certs" "$dir/usr/local/bin"
  install -d -m 1777 "$dir/tmp"
  tar -C "$dir" -xf "$(base_rootfs_tar)" ./etc/ssl/certs/ca-certificates.crt
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\n' >"$dir/etc/group"
  echo 'hosts: files dns' >"$dir/etc/nsswitch.conf"
}
