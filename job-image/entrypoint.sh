#!/usr/bin/env bash
# Slipway job image entrypoint: runs the steps of one operation's plan, in order, stopping at
# the first failure; the exit code is the failed step's (JOB_ERROR_EXIT=70 when nothing could
# start). Needs bash >= 4.4, coreutils, python3 (only to read plan.json) and ansible-playbook,
# so a kubespray-based image can carry it too.
#
# Reads (contract: src/engine/job-plan.ts):
#   $SLIPWAY_PLAN_DIR (/plan)  plan.json and the work files it lists under mount "plan"
#   $SLIPWAY_CONF_DIR (/conf)  hosts.yml, group_vars.yml as the planner rendered them
#   $SLIPWAY_AUTH_DIR (/auth)  ssh-privatekey, needed when plan.json has agentIdentity: loaded
#                              into this run's ssh-agent, whose public key goes to agentIdentity in
#                              the work directory (the steps' IdentityFile); the key itself is
#                              never linked or copied there
#   $SLIPWAY_BUILTIN_DIR (/opt/slipway/playbooks)  what <work>/builtin links to
#   $SLIPWAY_WORK_ROOT ($TMPDIR or /tmp)  parent of the private work directory
#   $SLIPWAY_KEEP_WORK_DIR=1   leave the work directory in place (debugging, tests)
# Prints, besides the steps' own output, marked lines (src/engine/job-step-lines.ts):
#   @@slipway-step {"e":"step-start"|"step-end"|"job-end"|"job-error", ...}
# Every argv element reaches its program as one word: nothing here is eval'd or given to a shell.
set -uo pipefail
umask 077

conf_dir=${SLIPWAY_CONF_DIR:-/conf}
plan_dir=${SLIPWAY_PLAN_DIR:-/plan}
auth_dir=${SLIPWAY_AUTH_DIR:-/auth}
builtin_dir=${SLIPWAY_BUILTIN_DIR:-/opt/slipway/playbooks}
work_root=${SLIPWAY_WORK_ROOT:-${TMPDIR:-/tmp}}
reader="$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/read-plan.py"

readonly marker='@@slipway-step '
readonly job_error_exit=70

run='' work='' agent_pid='' child='' stopping='' stepping=''

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# job_error CODE MESSAGE: gives up before any step runs; CODE is one of JOB_ERROR_CODES.
job_error() {
  printf '%s{"e":"job-error","code":"%s","time":"%s"}\n' "$marker" "$1" "$(now)"
  printf 'slipway-job: %s\n' "$2" >&2
  exit "$job_error_exit"
}

cleanup() {
  [[ -n $child ]] && kill -TERM "$child" 2>/dev/null
  # ssh ControlPersist masters outlive ansible-playbook; outside a pod nobody else stops them.
  local socket
  for socket in "$run"/cp/*; do
    [[ -S $socket ]] && ssh -o ControlPath="$socket" -O exit slipway >/dev/null 2>&1
  done
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null
  cd / || true
  if [[ -n $run && -z ${SLIPWAY_KEEP_WORK_DIR:-} ]]; then rm -rf -- "$run"; fi
}
trap cleanup EXIT

# bash as PID 1 ignores SIGTERM unless trapped: forward it to the running step and stop there.
on_signal() {
  stopping=$((128 + $2))
  if [[ -n $child ]]; then
    kill "-$1" "$child" 2>/dev/null
  elif [[ -z $stepping ]]; then
    exit "$stopping"
  fi
}
trap 'on_signal TERM 15' TERM
trap 'on_signal INT 2' INT

# Runs "$@" as a child and returns its exit code; `wait` returns early when a trapped signal
# arrives, so it waits again until the child is really gone.
run_child() {
  local rc
  "$@" &
  child=$!
  # A signal that came between the fork and the line above found no child to stop.
  [[ -n $stopping ]] && kill -TERM "$child" 2>/dev/null
  while :; do
    wait "$child"
    rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  child=''
  return "$rc"
}

mount_dir() {
  case $1 in
    conf) printf '%s' "$conf_dir" ;;
    plan) printf '%s' "$plan_dir" ;;
    auth) printf '%s' "$auth_dir" ;;
    *) return 1 ;;
  esac
}

run=$(mktemp -d "$work_root/slipway-job.XXXXXX") || job_error bad-plan "cannot create a work directory under $work_root"
work=$run/work
state=$run/plan
mkdir -m 700 "$work" "$state" "$run/cp" "$run/agent" || job_error bad-plan "cannot prepare $run"

python3 "$reader" "$plan_dir/plan.json" "$state" || job_error bad-plan "$plan_dir/plan.json is not a plan this image can run"

ln -s -- "$builtin_dir" "$work/builtin" || job_error missing-file "cannot link $builtin_dir"
while IFS= read -r -d '' mount && IFS= read -r -d '' key && IFS= read -r -d '' path &&
  IFS= read -r -d '' mode; do
  src="$(mount_dir "$mount")/$key" || job_error bad-plan "unknown mount $mount"
  dest=$work/$path
  [[ -e $src ]] || job_error missing-file "$src is missing (plan file $path)"
  mkdir -p -- "$(dirname -- "$dest")" || job_error missing-file "cannot create the directory of $path"
  install -m "$mode" -- "$src" "$dest" || job_error missing-file "cannot copy $src to $path"
done <"$state/files"

# As the local executor: with a key, an agent of this run holds it, and the steps' ssh offers
# exactly that key (IdentitiesOnly, IdentityFile = its public half). Without one, no agent.
agent_env=()
if [[ -e $state/agent-identity ]]; then
  IFS= read -r -d '' identity <"$state/agent-identity" || job_error bad-plan "cannot read agentIdentity"
  key_file=$auth_dir/ssh-privatekey
  [[ -e $key_file ]] || job_error ssh-key "$key_file is missing, and the plan uses the cluster's SSH key"
  agent_sock=$run/agent/sock
  ssh-agent -D -a "$agent_sock" >/dev/null &
  agent_pid=$!
  for _ in {1..100}; do
    [[ -S $agent_sock ]] && break
    kill -0 "$agent_pid" 2>/dev/null || job_error ssh-agent "ssh-agent did not start"
    sleep 0.05
  done
  [[ -S $agent_sock ]] || job_error ssh-agent "ssh-agent did not create its socket"
  SSH_AUTH_SOCK=$agent_sock SSH_ASKPASS_REQUIRE=never ssh-add -q -- "$key_file" </dev/null ||
    job_error ssh-key "ssh-add refused $key_file (is it a private key without a passphrase?)"
  pub=$work/$identity
  mkdir -p -- "$(dirname -- "$pub")" || job_error ssh-agent "cannot create the directory of $identity"
  # noclobber: read-plan.py already refused a work file there; nothing is written through a link.
  (set -C && SSH_AUTH_SOCK=$agent_sock ssh-add -L >"$pub" </dev/null) ||
    job_error ssh-agent "cannot write the agent's public key to $identity"
  agent_env=("SSH_AUTH_SOCK=$agent_sock")
fi

base_env=(
  "PATH=$PATH"
  "HOME=$work"
  "LANG=${LANG:-C.UTF-8}"
  "ANSIBLE_SSH_CONTROL_PATH_DIR=$run/cp"
)

cd -- "$work" || job_error bad-plan "cannot enter $work"
total=$(<"$state/count")
exit_code=0
failed=''
stepping=1
for ((i = 0; i < total; i++)); do
  [[ -n $stopping ]] && break
  mapfile -d '' -t argv <"$state/step-$i.argv"
  mapfile -d '' -t step_env <"$state/step-$i.env"
  printf '%s{"e":"step-start","index":%d,"total":%d,"name":%s,"time":"%s"}\n' \
    "$marker" "$i" "$total" "$(<"$state/step-$i.name")" "$(now)"
  # The step's own settings come after the base, so they win, as in the local executor (stepEnv),
  # and the agent's socket after them: a step cannot point ssh at another agent.
  run_child env -i -- "${base_env[@]}" "${step_env[@]}" "${agent_env[@]}" "${argv[@]}"
  rc=$?
  printf '%s{"e":"step-end","index":%d,"exitCode":%d,"time":"%s"}\n' "$marker" "$i" "$rc" "$(now)"
  if ((rc != 0)); then
    exit_code=$rc
    failed=$i
    break
  fi
done
if [[ -n $stopping && $exit_code == 0 ]]; then exit_code=$stopping; fi
printf '%s{"e":"job-end","exitCode":%d%s,"time":"%s"}\n' "$marker" "$exit_code" "${failed:+,\"failedStep\":$failed}" "$(now)"
exit "$exit_code"
