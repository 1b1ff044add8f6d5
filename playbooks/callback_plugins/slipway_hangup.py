# Ends a step's remote commands when the step is stopped, also with pipelining.
#
# Enabled by the executor next to slipway_events (ANSIBLE_CALLBACKS_ENABLED). It reports
# nothing: loading it wraps every module command that a shell of the sh family builds in
# slipway_hangup.sh (beside this file), which ends the command and its children once the ssh
# connection that carries it goes away, as a pty's hangup does. Callbacks are loaded before
# any worker is forked, so every worker runs with the wrapper.
#
# Why: pipelining sends the module over ssh's stdin and so runs it without a pty; when a step
# is cancelled or hits its deadline, its ssh connections go, and sshd hangs up only a pty. So
# without the wrapper a stopped step's remote commands would run on to their end.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shlex

from ansible.plugins.callback import CallbackBase
from ansible.plugins.shell import ShellBase

DOCUMENTATION = '''
    name: slipway_hangup
    type: aggregate
    short_description: remote module commands end when their ssh connection goes away
    description:
      - Wraps the module commands of sh-family shells in slipway_hangup.sh, which ends a
        command and its children when its connection drops, also without a pty (pipelining).
    requirements:
      - enabled through ANSIBLE_CALLBACKS_ENABLED
'''

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'slipway_hangup.sh')) as _script:
    WATCH_SCRIPT = _script.read()

_build_module_command = ShellBase.build_module_command


def _watched_module_command(self, env_string, shebang, cmd, arg_path=None):
    command = _build_module_command(self, env_string, shebang, cmd, arg_path)
    if getattr(self, 'SHELL_FAMILY', None) != 'sh':
        return command
    return '/bin/sh -c %s slipway-hangup %s' % (shlex.quote(WATCH_SCRIPT), shlex.quote(command))


if not getattr(ShellBase.build_module_command, 'slipway_hangup', False):
    _watched_module_command.slipway_hangup = True
    ShellBase.build_module_command = _watched_module_command


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'slipway_hangup'
    CALLBACK_NEEDS_ENABLED = True
    # ansible-core before 2.11 reads the older name.
    CALLBACK_NEEDS_WHITELIST = True
