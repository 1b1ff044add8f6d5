# Sourced by build.sh: a piece is built once. `piece NAME TARGET COMMAND...` runs COMMAND as a
# timed stage unless TARGET exists (each command creates its TARGET last, atomically).
cached_pieces=()

piece() {
  local name=$1 target=$2
  shift 2
  if [ -e "$target" ]; then
    cached_pieces+=("$name")
    echo "=== ${name}: cached" >&2
    return
  fi
  stage "$name" "$@"
}

pieces_summary() {
  echo "bundle: ${#stage_names[@]} pieces built, ${#cached_pieces[@]} cached" >&2
  if [ ${#stage_names[@]} -gt 0 ]; then stages_summary; fi
  echo "bundle: done in ${SECONDS} s" >&2
}
