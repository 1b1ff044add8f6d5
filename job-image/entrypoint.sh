#!/usr/bin/env bash
# Slipway job image entrypoint: runs the steps of one operation's plan, in order, stopping at
# the first failure; the exit code is the failed step's (JOB_ERROR_EXIT=70 when nothing could
# start, KUBECONFIG_EXIT=71 when every step succeeded but their kubeconfig was not stored).
# Needs bash >= 4.4, coreutils, python3 (only to read plan.json) and ansible-playbook, so a
# kubespray-based image can carry it too.
#
#   entrypoint.sh                    the ansible container: runs the plan
#   entrypoint.sh ssh-agent          the ssh-agent sidecar (ssh-agent.sh)
#   entrypoint.sh kubeconfig-upload  the kubeconfig-upload sidecar (kubeconfig-upload.py)
#
# Reads (contract: src/engine/job-plan.ts):
#   $SLIPWAY_PLAN_DIR (/plan)  plan.json and the work files it lists under mount "plan"
#   $SLIPWAY_CONF_DIR (/conf)  hosts.yml, group_vars.yml as the planner rendered them
#   $SLIPWAY_AGENT_DIR (/agent)  needed when plan.json has agentIdentity: the ssh-agent sidecar's
#                              socket (agent.sock) and the public half of the key it holds
#                              (agent.pub), which goes to agentIdentity in the work directory (the
#                              steps' IdentityFile); or agent.error, why it holds none. The key
#                              itself is never mounted in this container.
#   $SLIPWAY_KUBECONFIG_DIR (/kubeconfig), $SLIPWAY_KUBECONFIG_STATUS_DIR (/kubeconfig-status)
#                              present when the pod has the kubeconfig-upload sidecar: after the
#                              last step, the kubeconfig at kubeconfigArtifact is handed to it as
#                              admin.conf, and its answer read from result
#   $SLIPWAY_BUILTIN_DIR (/opt/slipway/playbooks)  what <work>/builtin links to
#   $SLIPWAY_WORK_ROOT ($TMPDIR or /tmp)  parent of the private work directory
#   $SLIPWAY_KEEP_WORK_DIR=1   leave the work directory in place (debugging, tests)
#   $SLIPWAY_AGENT_TIMEOUT (60), $SLIPWAY_KUBECONFIG_TIMEOUT (120)  seconds to wait for a sidecar
# Prints, besides the steps' own output, marked lines (src/engine/job-step-lines.ts):
#   @@slipway-step {"e":"step-start"|"step-end"|"job-end"|"job-error"|"kubeconfig", ...}
# Every argv element reaches its program as one word: nothing here is eval'd or given to a shell.
set -uo pipefail
umask 077

here=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
case ${1:-} in
  '') ;;
  ssh-agent) exec "$BASH" "$here/ssh-agent.sh" ;;
  kubeconfig-upload) exec python3 "$here/kubeconfig-upload.py" ;;
  *)
    printf 'slipway-job: unknown command %q (none, ssh-agent or kubeconfig-upload)\n' "$1" >&2
    exit 64
    ;;
esac

conf_dir=${SLIPWAY_CONF_DIR:-/conf}
plan_dir=${SLIPWAY_PLAN_DIR:-/plan}
agent_dir=${SLIPWAY_AGENT_DIR:-/agent}
kubeconfig_dir=${SLIPWAY_KUBECONFIG_DIR:-/kubeconfig}
kubeconfig_status_dir=${SLIPWAY_KUBECONFIG_STATUS_DIR:-/kubeconfig-status}
builtin_dir=${SLIPWAY_BUILTIN_DIR:-/opt/slipway/playbooks}
work_root=${SLIPWAY_WORK_ROOT:-${TMPDIR:-/tmp}}
reader=$here/read-plan.py

readonly marker='@@slipway-step '
readonly job_error_exit=70 kubeconfig_exit=71
# An admin kubeconfig with embedded certificates is a few KiB (MAX_KUBECONFIG_BYTES).
readonly kubeconfig_max=262144

run='' work='' child='' stopping='' stepping='' now=''

# bash 5.2 re-parses a command substitution's text when it runs it, and a trapped signal that
# arrives meanwhile breaks that parse ("unexpected EOF while looking for matching `)'") and ends
# the script. So once steps may run, nothing here uses $(...): times come from printf's own %T.
export TZ=UTC
stamp() { printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }

# job_error CODE MESSAGE: gives up before any step runs; CODE is one of JOB_ERROR_CODES.
job_error() {
  stamp
  printf '%s{"e":"job-error","code":"%s","time":"%s"}\n' "$marker" "$1" "$now"
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
  # The kubeconfig handed to the sidecar lives no longer than this container.
  [[ -d $kubeconfig_dir ]] && rm -f -- "$kubeconfig_dir/admin.conf" "$kubeconfig_dir/.admin.conf.tmp" 2>/dev/null
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

run=$(mktemp -d "$work_root/slipway-job.XXXXXX") || job_error bad-plan "cannot create a work directory under $work_root"
work=$run/work
state=$run/plan
mkdir -m 700 "$work" "$state" "$run/cp" || job_error bad-plan "cannot prepare $run"

python3 "$reader" "$plan_dir/plan.json" "$state" || job_error bad-plan "$plan_dir/plan.json is not a plan this image can run"

ln -s -- "$builtin_dir" "$work/builtin" || job_error missing-file "cannot link $builtin_dir"
while IFS= read -r -d '' mount && IFS= read -r -d '' key && IFS= read -r -d '' path &&
  IFS= read -r -d '' mode; do
  case $mount in
    conf) src=$conf_dir/$key ;;
    plan) src=$plan_dir/$key ;;
    *) job_error bad-plan "unknown mount $mount" ;;
  esac
  dest=$work/$path
  [[ -e $src ]] || job_error missing-file "$src is missing (plan file $path)"
  mkdir -p -- "${dest%/*}" || job_error missing-file "cannot create the directory of $path"
  install -m "$mode" -- "$src" "$dest" || job_error missing-file "cannot copy $src to $path"
done <"$state/files"

# As the local executor: with a key, an agent of this run holds it, and the steps' ssh offers
# exactly that key (IdentitiesOnly, IdentityFile = its public half). Here the agent is the
# ssh-agent sidecar's: it alone mounts the key, and says when it holds it (agent.pub) or why not.
agent_env=()
if [[ -e $state/agent-identity ]]; then
  IFS= read -r -d '' identity <"$state/agent-identity" || job_error bad-plan "cannot read agentIdentity"
  agent_sock=$agent_dir/agent.sock
  agent_timeout=${SLIPWAY_AGENT_TIMEOUT:-60}
  [[ $agent_timeout =~ ^[0-9]{1,5}$ ]] || agent_timeout=60
  for ((t = 0; ; t++)); do
    [[ -n $stopping ]] && exit "$stopping"
    [[ -f $agent_dir/agent.pub ]] && break
    if [[ -f $agent_dir/agent.error ]]; then
      { IFS= read -r code && IFS= read -r why; } <"$agent_dir/agent.error"
      [[ ${code:-} == ssh-key ]] || code=ssh-agent
      job_error "$code" "ssh-agent sidecar: ${why:-no reason given}"
    fi
    ((t < agent_timeout * 10)) || job_error ssh-agent "the ssh-agent sidecar did not load the key within $agent_timeout s (is $agent_dir shared with it?)"
    sleep 0.1
  done
  [[ -S $agent_sock ]] || job_error ssh-agent "the ssh-agent sidecar left no socket at $agent_sock"
  pub=$work/$identity
  mkdir -p -- "${pub%/*}" || job_error ssh-agent "cannot create the directory of $identity"
  # noclobber: read-plan.py already refused a work file there; nothing is written through a link.
  (set -C && cat -- "$agent_dir/agent.pub" >"$pub") || job_error ssh-agent "cannot write the agent's public key to $identity"
  agent_env=("SSH_AUTH_SOCK=$agent_sock")
fi

kubeconfig_artifact=''
if [[ -e $state/kubeconfig-artifact ]]; then
  IFS= read -r -d '' kubeconfig_artifact <"$state/kubeconfig-artifact" || job_error bad-plan "cannot read kubeconfigArtifact"
fi

# kubeconfig_line STORED [MESSAGE_JSON]: says whether the sidecar stored the kubeconfig.
kubeconfig_line() {
  stamp
  printf '%s{"e":"kubeconfig","stored":%s%s,"time":"%s"}\n' "$marker" "$1" "${2:+,\"message\":$2}" "$now"
}

# After the last step succeeded: the admin kubeconfig a step fetched goes to the kubeconfig-upload
# sidecar, which alone may write it into the operation's drop-box; returns non-zero when it was not
# stored. Nothing to do when no step fetched one, or the pod has no such sidecar.
hand_off_kubeconfig() {
  local src=$work/$kubeconfig_artifact result=$kubeconfig_status_dir/result status='' why='' t
  [[ -n $kubeconfig_artifact && -d $kubeconfig_dir ]] || return 0
  [[ -e $src || -L $src ]] || return 0
  if [[ -L $src || ! -f $src ]] || find -- "$src" -maxdepth 0 -size "+${kubeconfig_max}c" -printf x | grep -q x; then
    kubeconfig_line false '"the fetched kubeconfig is not a regular file of at most 256 KiB"'
    return 1
  fi
  # Renamed into place whole, so the sidecar never reads half of it.
  if ! install -m 600 -- "$src" "$kubeconfig_dir/.admin.conf.tmp" || ! mv -f -- "$kubeconfig_dir/.admin.conf.tmp" "$kubeconfig_dir/admin.conf"; then
    kubeconfig_line false '"cannot hand the kubeconfig over to the sidecar"'
    return 1
  fi
  local timeout=${SLIPWAY_KUBECONFIG_TIMEOUT:-120} json_string='^"([^"\\]|\\.)*"$'
  [[ $timeout =~ ^[0-9]{1,5}$ ]] || timeout=120
  for ((t = 0; t < timeout * 10; t++)); do
    [[ -n $stopping ]] && break
    if [[ -f $result ]]; then
      { IFS= read -r status && IFS= read -r why; } <"$result"
      [[ -n $status ]] && break
    fi
    sleep 0.1
  done
  rm -f -- "$kubeconfig_dir/admin.conf"
  case $status in
    stored) kubeconfig_line true ;;
    failed)
      # The sidecar writes its reason as one JSON string; anything else is not passed on.
      [[ $why =~ $json_string ]] || why='"no reason given"'
      kubeconfig_line false "$why"
      ;;
    *) kubeconfig_line false "\"the kubeconfig-upload sidecar did not answer within $timeout s\"" ;;
  esac
  [[ $status == stored ]]
}

base_env=(
  "PATH=$PATH"
  "HOME=$work"
  "LANG=${LANG:-C.UTF-8}"
  "ANSIBLE_SSH_CONTROL_PATH_DIR=$run/cp"
)

cd -- "$work" || job_error bad-plan "cannot enter $work"
IFS= read -r total <"$state/count"
exit_code=0
failed=''
stepping=1
for ((i = 0; i < total; i++)); do
  [[ -n $stopping ]] && break
  mapfile -d '' -t argv <"$state/step-$i.argv"
  mapfile -d '' -t step_env <"$state/step-$i.env"
  IFS= read -r -d '' name <"$state/step-$i.name"
  stamp
  printf '%s{"e":"step-start","index":%d,"total":%d,"name":%s,"time":"%s"}\n' \
    "$marker" "$i" "$total" "$name" "$now"
  # The step's own settings come after the base, so they win, as in the local executor (stepEnv),
  # and the agent's socket after them: a step cannot point ssh at another agent.
  run_child env -i -- "${base_env[@]}" "${step_env[@]}" "${agent_env[@]}" "${argv[@]}"
  rc=$?
  stamp
  printf '%s{"e":"step-end","index":%d,"exitCode":%d,"time":"%s"}\n' "$marker" "$i" "$rc" "$now"
  if ((rc != 0)); then
    exit_code=$rc
    failed=$i
    break
  fi
done
if [[ -n $stopping && $exit_code == 0 ]]; then exit_code=$stopping; fi
if [[ $exit_code == 0 ]] && ! hand_off_kubeconfig; then
  exit_code=$kubeconfig_exit
  [[ -n $stopping ]] && exit_code=$stopping
fi
stamp
printf '%s{"e":"job-end","exitCode":%d%s,"time":"%s"}\n' "$marker" "$exit_code" "${failed:+,\"failedStep\":$failed}" "$now"
exit "$exit_code"
