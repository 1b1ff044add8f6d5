#!/usr/bin/env bash
# The ssh-agent sidecar of an operation's pod (`entrypoint.sh ssh-agent`, a native sidecar the
# kubelet starts before the ansible container and stops after it): the only container that
# mounts the Cluster's SSH key. It loads the key into an ssh-agent listening in the directory it
# shares with the ansible container, which can then have the agent sign but never read the key.
# Needs bash, coreutils and openssh-client's ssh-agent and ssh-add.
#
#   $SLIPWAY_AUTH_DIR (/auth)    ssh-privatekey (the user's sshAuthRef Secret)
#   $SLIPWAY_AGENT_DIR (/agent)  writes (contract: src/engine/job-plan.ts, AGENT_FILES):
#       agent.sock   the agent's socket
#       agent.pub    the key's public half, once the agent holds the key
#       agent.error  instead, why it holds none: a code line (ssh-key, ssh-agent), a message line
# Runs until SIGTERM, then stops the agent and exits 0. Prints nothing of the key.
set -uo pipefail
umask 077

auth_dir=${SLIPWAY_AUTH_DIR:-/auth}
agent_dir=${SLIPWAY_AGENT_DIR:-/agent}
sock=$agent_dir/agent.sock
key=$auth_dir/ssh-privatekey
agent_pid='' idle_pid=''

stop() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null
  [[ -n $idle_pid ]] && kill "$idle_pid" 2>/dev/null
  exit 0
}
# As PID 1 of its container, bash ignores SIGTERM unless trapped.
trap stop TERM INT

# publish NAME: moves NAME's .tmp into place, so the ansible container never reads half a file.
publish() { mv -f -- "$agent_dir/.$1.tmp" "$agent_dir/$1"; }

# Serves nothing more until stopped: a sidecar that exited would be restarted, again and again.
idle() {
  while :; do
    sleep 3600 &
    idle_pid=$!
    wait "$idle_pid"
  done
}

# fail CODE MESSAGE: says why in agent.error (the entrypoint stops with it) and idles.
fail() {
  printf 'slipway-ssh-agent: %s\n' "$2" >&2
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null
  agent_pid=''
  printf '%s\n%s\n' "$1" "$2" >"$agent_dir/.agent.error.tmp" && publish agent.error
  idle
}

[[ -d $agent_dir && -w $agent_dir ]] || { printf 'slipway-ssh-agent: %s is not a writable directory\n' "$agent_dir" >&2; exit 1; }
# A restarted sidecar starts over (ssh-agent refuses a socket path that exists).
rm -f -- "$sock" "$agent_dir/agent.pub" "$agent_dir/agent.error"

command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null ||
  fail ssh-agent "this image has no ssh-agent or ssh-add (openssh-client), so it cannot hold the Cluster's SSH key"
[[ -e $key ]] || fail ssh-key "$key is missing, and the plan uses the cluster's SSH key"

ssh-agent -D -a "$sock" >/dev/null &
agent_pid=$!
for _ in {1..100}; do
  [[ -S $sock ]] && break
  kill -0 "$agent_pid" 2>/dev/null || { agent_pid=''; fail ssh-agent "ssh-agent did not start"; }
  sleep 0.05
done
[[ -S $sock ]] || fail ssh-agent "ssh-agent did not create its socket"
SSH_AUTH_SOCK=$sock SSH_ASKPASS_REQUIRE=never ssh-add -q -- "$key" </dev/null ||
  fail ssh-key "ssh-add refused $key (is it a private key without a passphrase?)"
SSH_AUTH_SOCK=$sock ssh-add -L >"$agent_dir/.agent.pub.tmp" </dev/null && publish agent.pub ||
  fail ssh-agent "cannot list the agent's key"
printf 'slipway-ssh-agent: the key is loaded; serving %s\n' "$sock" >&2

# A trapped signal ends the wait; an agent that exits on its own ends the sidecar (the kubelet
# restarts it, and it loads the key again).
while kill -0 "$agent_pid" 2>/dev/null; do
  wait "$agent_pid"
done
printf 'slipway-ssh-agent: ssh-agent exited\n' >&2
exit 1
