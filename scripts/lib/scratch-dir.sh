# Sourced by the image build scripts: a scratch directory under the cache for one build,
# removed on exit however the build ends.

# scratch_dir_open PARENT: sets `build` to a fresh directory under PARENT and removes it on exit.
# debootstrap mounts /proc and /sys in the root filesystem; never delete through a mount.
scratch_dir_open() {
  mkdir -p "$1"
  build=$(mktemp -d "$1/.build-XXXXXX")
  trap scratch_dir_remove EXIT
}

scratch_dir_remove() {
  findmnt -rn -o TARGET | { grep -F "$build/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$build"
}
