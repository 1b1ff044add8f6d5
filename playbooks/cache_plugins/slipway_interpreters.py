# Slipway's fact cache: a JSON file per host in the operation's work directory (the executor
# sets ANSIBLE_CACHE_PLUGIN=slipway_interpreters and its connection), holding only the python
# interpreter ansible discovered on the host.
#
# Within one ansible-playbook run the cache keeps all facts in memory as jsonfile does. What
# reaches the file, and so the operation's later steps, is only `discovered_interpreter_*`: a
# later step skips the two round trips of interpreter discovery, and still gathers its facts
# itself. Full facts are not carried over on purpose: with `gathering = smart` a play whose
# host has cached facts gathers nothing, whatever its gather_subset asks for, so a step that
# gathered `[min]` (enable-repo.yml) would leave the next one (cluster.yml) without the
# hardware and network facts its roles read; and a play with gather_facts: false would see
# another step's stale facts.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: slipway_interpreters
    short_description: per-host JSON files keeping only the discovered python interpreter
    description:
      - Like jsonfile within a run; writes only the discovered_interpreter_* facts to the
        files, so later runs skip interpreter discovery and gather their facts afresh.
    options:
      _uri:
        required: True
        description:
          - Path in which the cache plugin will save the JSON files
        env:
          - name: ANSIBLE_CACHE_PLUGIN_CONNECTION
        ini:
          - key: fact_caching_connection
            section: defaults
        type: path
      _prefix:
        description: User defined prefix to use when creating the JSON files
        env:
          - name: ANSIBLE_CACHE_PLUGIN_PREFIX
        ini:
          - key: fact_caching_prefix
            section: defaults
      _timeout:
        default: 86400
        description: Expiration timeout for the cache plugin data
        env:
          - name: ANSIBLE_CACHE_PLUGIN_TIMEOUT
        ini:
          - key: fact_caching_timeout
            section: defaults
        type: integer
'''

from ansible.plugins.cache.jsonfile import CacheModule as JsonFileCache

KEPT_PREFIX = 'discovered_interpreter_'


class CacheModule(JsonFileCache):

    def _dump(self, value, filepath):
        kept = dict((k, v) for k, v in value.items() if k.startswith(KEPT_PREFIX))
        super(CacheModule, self)._dump(kept, filepath)
