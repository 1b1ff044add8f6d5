#!/usr/bin/env python3
"""Checks Slipway's plan.json and writes it out for entrypoint.sh, which cannot parse JSON.

Usage: read-plan.py PLAN_JSON OUT_DIR

Writes into OUT_DIR (which must exist and be empty):
  count              the number of steps, in decimal
  files              per work file, four NUL-terminated fields: mount, key, path, mode (octal)
  agent-identity     only when the plan has the SSH key: where the agent key's public half goes,
                     NUL-terminated
  kubeconfig-artifact  only when a step fetches the admin kubeconfig: where, NUL-terminated
  step-N.argv        the argv of step N, each element NUL-terminated
  step-N.env         its environment, NAME=VALUE, each NUL-terminated
  step-N.name        its name as a JSON string literal (one line, ASCII)
Nothing is executed or evaluated; every string is checked so bash can use it as one word.
The contract is src/engine/job-plan.ts. Needs only the Python 3 standard library.
"""

import json
import os
import re
import sys

VERSION = 3
# Work files come from the plan's objects; the key is in the ssh-agent sidecar, never a file here.
MOUNTS = ('conf', 'plan')
BUILTIN_LINK = 'builtin'
ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
KEY = re.compile(r'^[-._a-zA-Z0-9]+$')


class BadPlan(Exception):
    pass


def text(value, what, allow_empty=False):
    if not isinstance(value, str) or '\0' in value or (not allow_empty and value == ''):
        raise BadPlan('%s must be a string without NUL' % what)
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise BadPlan('%s is not valid Unicode' % what)
    return value


def check_path(path, what):
    text(path, what)
    parts = path.split('/')
    if path.startswith('/') or any(p in ('', '.', '..') for p in parts) or parts[0] == BUILTIN_LINK:
        raise BadPlan('%s %s must be relative, normalised, outside %s/ and without ..' % (what, json.dumps(path), BUILTIN_LINK))
    return path


def claim(path, what, seen):
    if any(path == s or path.startswith(s + '/') or s.startswith(path + '/') for s in seen):
        raise BadPlan('%s %s clashes with another file' % (what, json.dumps(path)))
    seen.add(path)


def check_files(files, seen):
    if not isinstance(files, list):
        raise BadPlan('files must be a list')
    out = []
    for i, f in enumerate(files):
        what = 'files[%d]' % i
        if not isinstance(f, dict):
            raise BadPlan('%s must be an object' % what)
        path = check_path(f.get('path'), what + '.path')
        claim(path, what + '.path', seen)
        mount = f.get('mount')
        if mount not in MOUNTS:
            raise BadPlan('%s.mount must be one of %s' % (what, ', '.join(MOUNTS)))
        key = text(f.get('key'), what + '.key')
        if not KEY.match(key) or key in ('.', '..'):
            raise BadPlan('%s.key %s is not a ConfigMap key' % (what, json.dumps(key)))
        mode = f.get('mode')
        if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o777:
            raise BadPlan('%s.mode must be a permission between 0 and 0o777' % what)
        out.append((mount, key, path, '%o' % mode))
    return out


def check_step(i, step):
    what = 'steps[%d]' % i
    if not isinstance(step, dict):
        raise BadPlan('%s must be an object' % what)
    name = text(step.get('name'), what + '.name')
    argv = step.get('argv')
    if not isinstance(argv, list) or not argv:
        raise BadPlan('%s.argv must be a non-empty list' % what)
    argv = [text(a, '%s.argv[%d]' % (what, j), allow_empty=True) for j, a in enumerate(argv)]
    # env(1) runs the step: a program name holding "=" would be taken for a variable.
    if argv[0] == '' or '=' in argv[0]:
        raise BadPlan('%s.argv[0] must be a program name' % what)
    env = step.get('env')
    if not isinstance(env, dict):
        raise BadPlan('%s.env must be an object' % what)
    pairs = []
    for k, v in env.items():
        if not ENV_NAME.match(k):
            raise BadPlan('%s.env has a bad variable name %s' % (what, json.dumps(k)))
        pairs.append('%s=%s' % (k, text(v, '%s.env.%s' % (what, k), allow_empty=True)))
    return name, argv, pairs


def write_nul(path, fields):
    with open(path, 'xb') as f:
        for field in fields:
            f.write(field.encode('utf-8') + b'\0')


def main(args):
    if len(args) != 2:
        raise BadPlan('usage: read-plan.py PLAN_JSON OUT_DIR')
    plan_file, out = args
    try:
        with open(plan_file, encoding='utf-8') as f:
            plan = json.load(f)
    except (OSError, ValueError) as e:
        raise BadPlan('cannot read %s: %s' % (plan_file, e))
    if not isinstance(plan, dict) or plan.get('version') != VERSION:
        raise BadPlan('%s is not a version %d plan' % (plan_file, VERSION))
    steps = plan.get('steps')
    if not isinstance(steps, list):
        raise BadPlan('steps must be a list')
    seen = set()
    files = check_files(plan.get('files'), seen)
    identity = plan.get('agentIdentity')
    if identity is not None:
        claim(check_path(identity, 'agentIdentity'), 'agentIdentity', seen)
    artifact = plan.get('kubeconfigArtifact')
    if artifact is not None:
        check_path(artifact, 'kubeconfigArtifact')
    checked = [check_step(i, s) for i, s in enumerate(steps)]

    write_nul(os.path.join(out, 'files'), [field for f in files for field in f])
    if identity is not None:
        write_nul(os.path.join(out, 'agent-identity'), [identity])
    if artifact is not None:
        write_nul(os.path.join(out, 'kubeconfig-artifact'), [artifact])
    for i, (name, argv, env) in enumerate(checked):
        write_nul(os.path.join(out, 'step-%d.argv' % i), argv)
        write_nul(os.path.join(out, 'step-%d.env' % i), env)
        with open(os.path.join(out, 'step-%d.name' % i), 'x', encoding='ascii') as f:
            f.write(json.dumps(name, ensure_ascii=True))
    with open(os.path.join(out, 'count'), 'x', encoding='ascii') as f:
        f.write(str(len(checked)))


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except BadPlan as e:
        sys.stderr.write('slipway-job: bad plan: %s\n' % e)
        sys.exit(65)
