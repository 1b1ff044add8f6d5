#!/usr/bin/env python3
"""The kubeconfig-upload sidecar of an operation's pod (`entrypoint.sh kubeconfig-upload`).

A native sidecar: the kubelet starts it before the ansible container and stops it after. It is
the only container with a service-account token, of a ServiceAccount whose one right is to
patch the operation's drop-box, an empty Secret made for this operation. It waits for the admin
kubeconfig the ansible container hands over once every step succeeded, writes it into the
drop-box with one merge patch (key `value`, and the operation's uid in an annotation), says how
that went, and then only waits to be stopped; the controller checks what the drop-box holds and
stores it in the Cluster's Secret itself. It never prints the kubeconfig or the token. Needs
only the Python 3 standard library.

Reads (contract: src/engine/job-plan.ts):
  $SLIPWAY_KUBECONFIG_DIR (/kubeconfig)  admin.conf, written by the ansible container
  $SLIPWAY_TOKEN_DIR (/var/run/secrets/kubernetes.io/serviceaccount)  token, ca.crt
  $KUBERNETES_SERVICE_HOST, $KUBERNETES_SERVICE_PORT  the apiserver, as the kubelet sets them
  $SLIPWAY_KUBECONFIG_SECRET, $SLIPWAY_KUBECONFIG_NAMESPACE, $SLIPWAY_OPERATION_UID
Writes:
  $SLIPWAY_KUBECONFIG_STATUS_DIR (/kubeconfig-status)/result: a line "stored", or a line
  "failed" and the reason as a JSON string literal on the next
"""

import base64
import json
import os
import re
import signal
import ssl
import stat
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Beside the Secret's kubeconfig: which operation's pod stored it (KUBECONFIG_OPERATION_ANNOTATION).
ANNOTATION = 'slipway.io/kubeconfig-operation-uid'
# An admin kubeconfig with embedded certificates is a few KiB (MAX_KUBECONFIG_BYTES).
MAX_BYTES = 256 * 1024
POLL_SECONDS = 0.2
ATTEMPTS = 5
TRANSIENT = (429, 500, 502, 503, 504)
TIMEOUT_SECONDS = 30


class NotStored(Exception):
    pass


def log(message):
    sys.stderr.write('slipway-kubeconfig: %s\n' % message)
    sys.stderr.flush()


def setting(name, default=None):
    value = os.environ.get(name, default)
    if not value:
        raise NotStored('%s is not set' % name)
    return value


def shown(message):
    """An error message as it may be shown: one line, short, no long base64 runs."""
    message = re.sub(r'[A-Za-z0-9+/=_-]{40,}', '...', ' '.join(str(message).split()))
    return message[:300]


def read_handoff(path):
    """The handed-over kubeconfig, or None while there is none. Never follows a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise NotStored('cannot open the handed-over kubeconfig: %s' % e.strerror)
    with os.fdopen(fd, 'rb') as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise NotStored('the handed-over kubeconfig is not a regular file')
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise NotStored('the handed-over kubeconfig is larger than %d bytes' % MAX_BYTES)
    if not data.strip():
        raise NotStored('the handed-over kubeconfig is empty')
    return data


class Target:
    def __init__(self):
        host = setting('KUBERNETES_SERVICE_HOST')
        port = setting('KUBERNETES_SERVICE_PORT', '443')
        self.namespace = setting('SLIPWAY_KUBECONFIG_NAMESPACE')
        self.secret = setting('SLIPWAY_KUBECONFIG_SECRET')
        self.uid = setting('SLIPWAY_OPERATION_UID')
        token_dir = os.environ.get('SLIPWAY_TOKEN_DIR') or '/var/run/secrets/kubernetes.io/serviceaccount'
        self.token_file = os.path.join(token_dir, 'token')
        self.ca_file = os.path.join(token_dir, 'ca.crt')
        if ':' in host:
            host = '[%s]' % host
        quote = lambda s: urllib.parse.quote(s, safe='')
        self.url = 'https://%s:%s/api/v1/namespaces/%s/secrets/%s' % (host, port, quote(self.namespace), quote(self.secret))

    def patch(self, kubeconfig):
        body = json.dumps({
            'metadata': {'annotations': {ANNOTATION: self.uid}},
            'data': {'value': base64.b64encode(kubeconfig).decode('ascii')},
        }).encode('ascii')
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._send(body)
                return
            except NotStored as e:
                transient = e.args[1] if len(e.args) > 1 else False
                if not transient or attempt == ATTEMPTS:
                    raise NotStored(e.args[0])
                log('attempt %d: %s; trying again' % (attempt, e.args[0]))
                time.sleep(2 ** attempt)

    def _send(self, body):
        try:
            # Read each time: the kubelet renews the token in place.
            with open(self.token_file, encoding='ascii') as f:
                token = f.read().strip()
            context = ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ValueError, ssl.SSLError) as e:
            raise NotStored('cannot read the service-account token or CA: %s' % shown(e))
        request = urllib.request.Request(self.url, data=body, method='PATCH', headers={
            'Content-Type': 'application/merge-patch+json',
            'Accept': 'application/json',
            'Authorization': 'Bearer ' + token,
        })
        try:
            # The answer is the drop-box: what was just sent, read and dropped.
            with urllib.request.urlopen(request, context=context, timeout=TIMEOUT_SECONDS) as response:
                response.read()
        except urllib.error.HTTPError as e:
            raise NotStored('the apiserver answered %d: %s' % (e.code, shown(status_message(e))), e.code in TRANSIENT)
        except (urllib.error.URLError, OSError) as e:
            raise NotStored('cannot reach the apiserver: %s' % shown(getattr(e, 'reason', e)), True)


def status_message(error):
    try:
        status = json.loads(error.read(65536).decode('utf-8', 'replace'))
        return status.get('message') or error.reason
    except (ValueError, AttributeError, OSError):
        return error.reason


def report(status_dir, stored, reason=None):
    text = 'stored\n' if stored else 'failed\n%s\n' % json.dumps(reason, ensure_ascii=True)
    tmp = os.path.join(status_dir, '.result.tmp')
    with open(tmp, 'w', encoding='ascii') as f:
        f.write(text)
    os.replace(tmp, os.path.join(status_dir, 'result'))


def stop(*_):
    sys.exit(0)


def main():
    # As PID 1 of its container, Python would ignore SIGTERM without a handler.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    handoff = os.path.join(os.environ.get('SLIPWAY_KUBECONFIG_DIR') or '/kubeconfig', 'admin.conf')
    status_dir = os.environ.get('SLIPWAY_KUBECONFIG_STATUS_DIR') or '/kubeconfig-status'
    if os.path.exists(os.path.join(status_dir, 'result')):
        log('already answered (a restart of this sidecar); nothing more to do')
    else:
        try:
            target = Target()
            while True:
                kubeconfig = read_handoff(handoff)
                if kubeconfig is not None:
                    break
                time.sleep(POLL_SECONDS)
            target.patch(kubeconfig)
            report(status_dir, True)
            log('stored the admin kubeconfig in Secret %s/%s' % (target.namespace, target.secret))
        except NotStored as e:
            report(status_dir, False, e.args[0])
            log('the admin kubeconfig was not stored: %s' % e.args[0])
    # A sidecar that exited would be restarted: it waits to be stopped instead.
    while True:
        signal.pause()


if __name__ == '__main__':
    main()
