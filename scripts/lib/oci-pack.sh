# Sourced by build scripts: commits a root filesystem into an OCI image archive with umoci and
# skopeo, no container daemon needed.

# oci_pack_rootfs ROOTFS ARCHIVE REF [UMOCI_CONFIG_OPTION...]: ARCHIVE holds one image named REF
# (e.g. slipway/job:0.1.0) whose only layer is ROOTFS, configured with the `umoci config`
# options given (--config.entrypoint, --config.user, ...).
oci_pack_rootfs() {
  local rootfs=$1 archive=$2 ref=$3 layout
  shift 3
  layout=$(mktemp -d "$(dirname "$archive")/.oci-XXXXXX")
  umoci init --layout "$layout/oci"
  umoci new --image "$layout/oci:image"
  # One layer holding the whole root filesystem, owners and modes as they are on disk.
  umoci unpack --image "$layout/oci:image" "$layout/bundle" >/dev/null
  cp -a "$rootfs/." "$layout/bundle/rootfs/"
  umoci repack --image "$layout/oci:image" "$layout/bundle"
  umoci config --image "$layout/oci:image" --os linux --architecture amd64 \
    --config.label "org.opencontainers.image.ref.name=$ref" "$@"
  umoci gc --layout "$layout/oci"
  skopeo copy --quiet "oci:$layout/oci:image" "oci-archive:$archive:$ref"
  rm -rf --one-file-system "$layout"
}

# oci_pack ROOTFS ARCHIVE REF INPUTS_HASH [UMOCI_CONFIG_OPTION...]: Slipway's own images (job,
# controller, lab machine): authored by Slipway and labelled with the hash of their inputs.
oci_pack() {
  local rootfs=$1 archive=$2 ref=$3 inputs=$4
  shift 4
  oci_pack_rootfs "$rootfs" "$archive" "$ref" --author Slipway --config.label "io.slipway.inputs=$inputs" "$@"
}
