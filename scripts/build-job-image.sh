#!/usr/bin/env bash
# Builds Slipway's job image offline: a Debian minbase root filesystem (debootstrap from the
# mirror apt uses here) with python3, Debian's ansible-core, openssh-client, kubectl (from
# scripts/build-k8s.sh's cache), Slipway's playbooks and the entrypoint, committed into an OCI
# image archive. Cached outside the checkout, keyed by a hash of every input, so a second build
# with the same inputs does nothing. Runs as root (debootstrap, chroot).
#   bash scripts/build-job-image.sh        prints the archive's path on stdout
# Settings: SLIPWAY_IMAGE_CACHE, SLIPWAY_DEBIAN_SUITE, SLIPWAY_DEBIAN_MIRROR, SLIPWAY_KUBE_BIN.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/stage-timer.sh"
source "$repo/scripts/lib/job-rootfs.sh"
source "$repo/scripts/lib/oci-pack.sh"
source "$repo/scripts/lib/scratch-dir.sh"

die() { echo "build-job-image: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot need it)"
for tool in debootstrap umoci skopeo; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install -y debootstrap umoci skopeo"
done

suite=${SLIPWAY_DEBIAN_SUITE:-bookworm}
mirror=$(debian_mirror) || exit 1
# debootstrap resolves dependencies but not virtual packages: python3-cffi-backend provides the
# python3-cffi-backend-api-* that ansible-core's python3-cryptography depends on.
packages=python3,ansible-core,openssh-client,bash,ca-certificates,python3-cffi-backend
bin_cache=${SLIPWAY_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/bin}
if [ -z "${SLIPWAY_KUBE_BIN:-}" ] && [ -f "$bin_cache/paths.env" ]; then
  SLIPWAY_KUBE_BIN=$(sed -n 's/^SLIPWAY_KUBE_BIN=//p' "$bin_cache/paths.env")
fi
kubectl=${SLIPWAY_KUBE_BIN:-}/kubectl
[ -x "$kubectl" ] || die "no kubectl at $kubectl: run scripts/build-k8s.sh first"
kube_version=$(basename "$(dirname "$kubectl")")
version=$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$repo/package.json")
ref=slipway/job:$version
cache=${SLIPWAY_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/images}

inputs() {
  printf 'suite %s\nmirror %s\npackages %s\nkubectl %s %s\nref %s\n' \
    "$suite" "$mirror" "$packages" "$kube_version" "$(sha256sum <"$kubectl" | cut -d' ' -f1)" "$ref"
  (cd "$repo" && find playbooks job-image scripts/build-job-image.sh scripts/lib -type f \
    ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}
key=$(inputs | sha256sum | cut -c1-16)
out=$cache/job-$key
archive=$out/slipway-job.oci.tar

if [ -f "$archive" ]; then
  echo "build-job-image: $ref cached (inputs $key)" >&2
  echo "$archive"
  exit 0
fi

scratch_dir_open "$cache"
rootfs=$build/rootfs

echo "build-job-image: building $ref (inputs $key) from $mirror $suite" >&2
stage "debootstrap $suite minbase" debootstrap_rootfs "$rootfs" "$suite" "$mirror" "$cache/debs" "$packages"
stage "install slipway" install_slipway "$rootfs" "$repo" "$kubectl"
# Checked before cleaning: the tools need /dev/null, which the image leaves to the runtime.
stage "check as uid $JOB_UID" check_rootfs "$rootfs" >&2
stage "clean" clean_rootfs "$rootfs"
mkdir -p "$build/out"
stage "commit OCI archive" oci_pack "$rootfs" "$build/out/slipway-job.oci.tar" "$ref" "$key" \
  --config.user "$JOB_UID:$JOB_UID" \
  --config.entrypoint /opt/slipway/bin/entrypoint.sh \
  --config.workingdir /tmp \
  --config.env PATH=/usr/local/bin:/usr/bin:/bin \
  --config.env LANG=C.UTF-8 \
  --config.env SLIPWAY_BUILTIN_DIR=/opt/slipway/playbooks \
  --config.label "org.opencontainers.image.title=Slipway job"
inputs >"$build/out/inputs.txt"
mv "$build/out" "$out"

stages_summary
echo "build-job-image: $ref -> $archive ($(du -h "$archive" | cut -f1))" >&2
echo "$archive"
