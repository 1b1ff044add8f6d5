# Sourced by the image build scripts: commits a root filesystem into an OCI image archive with
# umoci and skopeo, no container daemon needed.

# oci_pack ROOTFS ARCHIVE REF INPUTS_HASH [UMOCI_CONFIG_ARGS...]: ARCHIVE holds one image named
# REF (e.g. slipway/job:0.1.0), amd64, with the caller's entrypoint, user, env and labels.
oci_pack() {
  local rootfs=$1 archive=$2 ref=$3 inputs=$4 layout
  shift 4
  layout=$(mktemp -d "$(dirname "$archive")/.oci-XXXXXX")
  umoci init --layout "$layout/oci"
  umoci new --image "$layout/oci:image"
  # One layer holding the whole root filesystem, owners and modes as they are on disk.
  umoci unpack --image "$layout/oci:image" "$layout/bundle" >/dev/null
  cp -a "$rootfs/." "$layout/bundle/rootfs/"
  umoci repack --image "$layout/oci:image" "$layout/bundle"
  umoci config --image "$layout/oci:image" \
    --os linux --architecture amd64 --author Slipway \
    --config.label "org.opencontainers.image.ref.name=$ref" \
    --config.label "io.slipway.inputs=$inputs" \
    "$@"
  umoci gc --layout "$layout/oci"
  skopeo copy --quiet "oci:$layout/oci:image" "oci-archive:$archive:$ref"
  rm -rf --one-file-system "$layout"
}
