# Sourced by build-job-image.sh: commits a root filesystem into an OCI image archive with umoci
# and skopeo, no container daemon needed.

# oci_pack ROOTFS ARCHIVE REF INPUTS_HASH: ARCHIVE holds one image named REF (e.g. slipway/job:0.1.0).
oci_pack() {
  local rootfs=$1 archive=$2 ref=$3 inputs=$4 layout
  layout=$(mktemp -d "$(dirname "$archive")/.oci-XXXXXX")
  umoci init --layout "$layout/oci"
  umoci new --image "$layout/oci:job"
  # One layer holding the whole root filesystem, owners and modes as they are on disk.
  umoci unpack --image "$layout/oci:job" "$layout/bundle" >/dev/null
  cp -a "$rootfs/." "$layout/bundle/rootfs/"
  umoci repack --image "$layout/oci:job" "$layout/bundle"
  umoci config --image "$layout/oci:job" \
    --os linux --architecture amd64 --author Slipway \
    --config.user "$JOB_UID:$JOB_UID" \
    --config.entrypoint /opt/slipway/bin/entrypoint.sh \
    --config.workingdir /tmp \
    --config.env PATH=/usr/local/bin:/usr/bin:/bin \
    --config.env LANG=C.UTF-8 \
    --config.env SLIPWAY_BUILTIN_DIR=/opt/slipway/playbooks \
    --config.label "org.opencontainers.image.title=Slipway job" \
    --config.label "org.opencontainers.image.ref.name=$ref" \
    --config.label "io.slipway.inputs=$inputs"
  umoci gc --layout "$layout/oci"
  skopeo copy --quiet "oci:$layout/oci:job" "oci-archive:$archive:$ref"
  rm -rf --one-file-system "$layout"
}
