# Sourced by build scripts: `stage NAME COMMAND...` runs COMMAND and prints how long it took;
# `stages_summary` prints every stage's time and the total.
stage_names=()
stage_secs=()

stage() {
  local name=$1 start end
  shift
  echo "==> ${name}" >&2
  start=$EPOCHREALTIME
  "$@"
  end=$EPOCHREALTIME
  stage_names+=("$name")
  stage_secs+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')")
  echo "<== ${name}: ${stage_secs[-1]} s" >&2
}

stages_summary() {
  local i total=0
  for i in "${!stage_names[@]}"; do
    printf '  %-28s %6s s\n' "${stage_names[$i]}" "${stage_secs[$i]}" >&2
    total=$(awk -v t="$total" -v s="${stage_secs[$i]}" 'BEGIN { printf "%.1f", t + s }')
  done
  printf '  %-28s %6s s\n' total "$total" >&2
}
