# Runs a command as a child subreaper, so what it leaves behind (ssh ControlPersist masters,
# which detach from their parent) is reparented here: stopped once the command has ended and
# reaped, so their CPU time counts in this process's children, as bench/fanout.ts reads it.
# Usage: python3 subreaper.py COMMAND [ARG...]; exits with the command's status.
import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def children():
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(')') + 2:].split()[1]) == os.getpid():
            found.append(int(entry))
    return found


def main():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    pid = os.fork()
    if pid == 0:
        os.execvp(sys.argv[1], sys.argv[1:])
    _, status = os.waitpid(pid, 0)
    for child in children():
        try:
            os.kill(child, signal.SIGTERM)
        except OSError:
            pass
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    sys.exit(os.waitstatus_to_exitcode(status))


main()
