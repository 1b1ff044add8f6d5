# Slipway progress events for the executor (src/executors/ansible-event-parser.ts).
#
# Writes one JSON object per line to stdout, each line starting with MARKER, next to the
# default stdout callback's human output. Enabled by the executor through
#   ANSIBLE_CALLBACK_PLUGINS=<workdir>/builtin/callback_plugins
#   ANSIBLE_CALLBACKS_ENABLED=slipway_events
# Needs only the Python standard library and ansible-core (tested with 2.14).
#
# Event shapes ("e" is the kind):
#   {"e": "playbook", "file": str}
#   {"e": "play", "name": str}
#   {"e": "task", "name": str, "play": str, "handler": bool}
#   {"e": "runner", "outcome": "ok"|"changed"|"failed"|"ignored"|"unreachable"|"skipped",
#    "host": str, "task": str, "play": str, "msg"?: str}
#   {"e": "stats", "hosts": {host: {ok, changed, failed, unreachable, skipped, rescued, ignored}}}

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: slipway_events
    type: aggregate
    short_description: machine-readable progress lines for Slipway's executor
    description:
      - Prints one marker-prefixed JSON object per line to stdout for playbook, play and
        task starts, per-host task results and the final per-host stats.
    requirements:
      - enabled through ANSIBLE_CALLBACKS_ENABLED
'''

MARKER = '@@slipway-event '
# Messages that say nothing by themselves; the module's own output explains the failure.
GENERIC_MESSAGES = (
    '',
    'non-zero return code',
    'MODULE FAILURE',
    'MODULE FAILURE\nSee stdout/stderr for the exact error',
    'One or more items failed',
    'All items completed',
)
TAIL_LINES = 5
TAIL_CHARS = 2000
MESSAGE_CHARS = 4000
# The message of these tasks is what the play reports to the user (cluster-info.yml).
DEBUG_ACTIONS = ('debug', 'ansible.builtin.debug', 'ansible.legacy.debug')
CHECK_ACTIONS = ('assert', 'ansible.builtin.assert', 'ansible.legacy.assert')


def _tail(text):
    if not isinstance(text, str) or not text.strip():
        return ''
    lines = text.rstrip().splitlines()[-TAIL_LINES:]
    return '\n'.join(lines)[-TAIL_CHARS:]


def _describe(res):
    """The most useful one-paragraph reason for a failed result dict."""
    msg = res.get('msg')
    msg = msg if isinstance(msg, str) else ('' if msg is None else json.dumps(msg, default=str))
    if msg.strip() not in GENERIC_MESSAGES:
        return msg.strip()
    parts = [msg.strip()] if msg.strip() else []
    if 'rc' in res and res.get('rc') not in (None, 0):
        parts.append('rc=%s' % res.get('rc'))
    for key in ('stderr', 'module_stderr', 'stdout', 'module_stdout', 'exception'):
        tail = _tail(res.get(key))
        if tail:
            parts.append('%s: %s' % (key, tail))
            break
    items = res.get('results')
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get('failed'):
                label = item.get('_ansible_item_label', item.get('item'))
                parts.append('item %s: %s' % (json.dumps(label, default=str), _describe(item)))
                break
    return '; '.join(parts) or 'failed without a message'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'slipway_events'
    CALLBACK_NEEDS_ENABLED = True
    # ansible-core before 2.11 reads the older name.
    CALLBACK_NEEDS_WHITELIST = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._play = ''

    def _emit(self, event):
        line = MARKER + json.dumps(event, default=str, separators=(',', ':')) + '\n'
        # The default callback writes to the same sys.stdout without flushing; sharing the
        # stream keeps the order, flushing makes progress visible while the task runs.
        lock = getattr(self._display, '_lock', None)
        if lock is None:
            self._write(line)
        else:
            with lock:
                self._write(line)

    @staticmethod
    def _write(line):
        sys.stdout.write(line)
        sys.stdout.flush()

    def _runner(self, result, outcome, with_msg=False):
        event = {
            'e': 'runner',
            'outcome': outcome,
            'host': result._host.get_name(),
            'task': result._task.get_name(),
            'play': self._play,
        }
        if with_msg:
            event['msg'] = _describe(result._result)[:MESSAGE_CHARS]
        self._emit(event)

    def v2_playbook_on_start(self, playbook):
        self._emit({'e': 'playbook', 'file': getattr(playbook, '_file_name', '')})

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name().strip()
        self._emit({'e': 'play', 'name': self._play})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit({'e': 'task', 'name': task.get_name().strip(), 'play': self._play, 'handler': False})

    def v2_playbook_on_handler_task_start(self, task):
        self._emit({'e': 'task', 'name': task.get_name().strip(), 'play': self._play, 'handler': True})

    def v2_runner_on_ok(self, result):
        outcome = 'changed' if result._result.get('changed') else 'ok'
        if result._task.action in DEBUG_ACTIONS and 'msg' in result._result:
            msg = result._result.get('msg')
            text = msg if isinstance(msg, str) else json.dumps(msg, default=str)
            event = {'e': 'runner', 'outcome': outcome, 'host': result._host.get_name(),
                     'task': result._task.get_name(), 'play': self._play, 'msg': text[:MESSAGE_CHARS]}
            self._emit(event)
            return
        self._runner(result, outcome)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if ignore_errors or result._task.action not in CHECK_ACTIONS:
            self._runner(result, 'ignored' if ignore_errors else 'failed', with_msg=True)
            return
        # An assert changes nothing: a run that failed only at assertions left its hosts as they were.
        event = {'e': 'runner', 'outcome': 'failed', 'host': result._host.get_name(), 'task': result._task.get_name(),
                 'play': self._play, 'msg': _describe(result._result)[:MESSAGE_CHARS], 'check': True}
        self._emit(event)

    def v2_runner_on_unreachable(self, result):
        self._runner(result, 'unreachable', with_msg=True)

    def v2_runner_on_skipped(self, result):
        self._runner(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            s = stats.summarize(host)
            hosts[host] = {
                'ok': s['ok'],
                'changed': s['changed'],
                'failed': s['failures'],
                'unreachable': s['unreachable'],
                'skipped': s['skipped'],
                'rescued': s['rescued'],
                'ignored': s['ignored'],
            }
        self._emit({'e': 'stats', 'hosts': hosts})
