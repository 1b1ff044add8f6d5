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

# oci_pack ROOTFS ARCHIVE REF INPUTS_HASH: the job image.
oci_pack() {
  oci_pack_rootfs "$1" "$2" "$3" --author Slipway \
    --config.user "$JOB_UID:$JOB_UID" \
    --config.entrypoint /opt/slipway/bin/entrypoint.sh \
    --config.workingdir /tmp \
    --config.env PATH=/usr/local/bin:/usr/bin:/bin \
    --config.env LANG=C.UTF-8 \
    --config.env SLIPWAY_BUILTIN_DIR=/opt/slipway/playbooks \
    --config.label "org.opencontainers.image.title=Slipway job" \
    --config.label "io.slipway.inputs=$4"
}
