#!/usr/bin/env bash
# Builds the lab machine image offline: a plain Debian root filesystem (debootstrap from the
# mirror apt uses here) with systemd, sshd and the tools Slipway's roles expect on a host (no
# container runtime, no Kubernetes), committed into an OCI image archive the same way the job
# image is. Cached outside the checkout, keyed by a hash of every input: a second build with
# the same inputs does nothing. Runs as root (debootstrap, chroot).
#   bash scripts/lab/build-machine-image.sh     prints "ARCHIVE REF" on stdout
# Settings: SLIPWAY_LAB_CACHE, SLIPWAY_DEBIAN_SUITE, SLIPWAY_DEBIAN_MIRROR.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/scripts/lib/stage-timer.sh"
source "$repo/scripts/lib/job-rootfs.sh"
source "$repo/scripts/lib/oci-pack.sh"
source "$repo/scripts/lib/scratch-dir.sh"
source "$repo/scripts/lab/machine-rootfs.sh"

die() { echo "build-machine-image: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot need it)"
for tool in debootstrap umoci skopeo; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install -y debootstrap umoci skopeo"
done

suite=${SLIPWAY_DEBIAN_SUITE:-bookworm}
mirror=$(debian_mirror) || exit 1
# What a host needs before Slipway's roles run: systemd as init, sshd, python3 for ansible,
# sudo, and the tools kubespray's preinstall expects to find rather than download (there is
# no package mirror on an air-gapped site).
packages=systemd,systemd-sysv,dbus,openssh-server,python3,python3-apt,sudo,iptables,conntrack,socat,ca-certificates,curl,iproute2,kmod,procps,rsync,tar,unzip,ipset,ebtables,e2fsprogs,less
cache=${SLIPWAY_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/lab}

inputs() {
  printf 'suite %s\nmirror %s\npackages %s\n' "$suite" "$mirror" "$packages"
  # Only what goes into the image: other scripts here (the test runner) may change freely.
  (cd "$repo" && sha256sum scripts/lab/build-machine-image.sh scripts/lab/machine-rootfs.sh scripts/lab/machine-boot.sh \
    scripts/lib/job-rootfs.sh scripts/lib/oci-pack.sh scripts/lib/scratch-dir.sh)
}
key=$(inputs | sha256sum | cut -c1-16)
ref=slipway/lab-machine:$key
out=$cache/machine-$key
archive=$out/lab-machine.oci.tar

if [ -f "$archive" ]; then
  echo "build-machine-image: $ref cached" >&2
  echo "$archive $ref"
  exit 0
fi

scratch_dir_open "$cache"
rootfs=$build/rootfs

echo "build-machine-image: building $ref from $mirror $suite" >&2
stage "debootstrap $suite" debootstrap_rootfs "$rootfs" "$suite" "$mirror" "$cache/debs" "$packages"
stage "configure machine" configure_machine "$rootfs" "$repo"
stage "check tools" check_machine "$rootfs" >&2
stage "clean" clean_rootfs "$rootfs"
mkdir -p "$build/out"
# oci_pack writes the job image's config (user, entrypoint); `lab up` sets those at run time.
stage "commit OCI archive" oci_pack "$rootfs" "$build/out/lab-machine.oci.tar" "$ref" "$key"
inputs >"$build/out/inputs.txt"
mv "$build/out" "$out"

stages_summary
echo "build-machine-image: $ref -> $archive ($(du -h "$archive" | cut -f1))" >&2
echo "$archive $ref"
