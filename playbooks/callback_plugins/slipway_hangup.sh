# Runs "$1" (a module's command line, as ansible built it) so that it ends, with everything
# it started, when the ssh connection carrying it goes away: what a pty's hangup does.
# Installed by slipway_hangup.py around every module command of the sh shell family.
#
# With pipelining there is no pty, and sshd does not signal a command whose connection
# dropped: it would run on to its end. So a watcher in the background writes a newline to
# stderr every second (ansible ignores a module's stderr when its JSON parses); once sshd is
# gone the write fails (EPIPE), and the watcher sends SIGINT, then a second later SIGHUP and
# SIGTERM, to this process group, which holds the command and its children. The interrupt
# comes first because python unwinds on it, so ansible's module wrapper removes its payload
# from the host's temp dir; a hangup or TERM would end python at once and leave
# /tmp/ansible_*_payload_* behind. The watcher's sleep holds none of the channel's
# descriptors, so a finished command's channel closes at once.
# Under a pty (stderr is a terminal, no pipelining) the hangup does this already.
if [ -t 2 ]; then
  exec /bin/sh -c "$1"
fi
(
  trap '' PIPE HUP INT
  while sleep 1 </dev/null >/dev/null 2>&1; do
    printf '\n' >&2 2>/dev/null || break
  done
  trap '' TERM
  kill -INT 0
  sleep 1
  kill -HUP 0
  kill -TERM 0
) </dev/null >/dev/null &
watcher=$!
/bin/sh -c "$1"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
