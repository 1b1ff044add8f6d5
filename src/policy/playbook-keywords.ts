/** Playbook keywords (ansible-core 2.14–2.17) and what Slipway does with each. */

const LOCAL = "Slipway's machine";

/** Keywords refused wherever they appear (play, block or task), with the reason. */
export const FORBIDDEN_KEYWORDS: Readonly<Record<string, string>> = {
  connection: `chooses the connection plugin ("local" runs tasks on ${LOCAL})`,
  delegate_to: `runs the task on another host, which may be ${LOCAL} or a host outside the cluster`,
  delegate_facts: 'stores facts on another host (it only makes sense with delegate_to)',
  local_action: `runs the task on ${LOCAL}`,
  module_defaults: `supplies hidden arguments to every task (e.g. a copy src on ${LOCAL})`,
  collections: 'lets short module names resolve to modules of any collection; use fully qualified names',
  debugger: `opens an interactive debugger that can run Python on ${LOCAL}`,
  vars_files: `reads variable files from ${LOCAL}; use vars:`,
  vars_prompt: 'prompts on a terminal, which an operation does not have',
  roles: `loads roles from ${LOCAL}; put the tasks in the playbook`,
  import_playbook: `loads another playbook from ${LOCAL}`,
  include: `loads files from ${LOCAL}`,
};

/** Keywords shared by plays, blocks and tasks. */
const COMMON = [
  'name', 'any_errors_fatal', 'become', 'become_exe', 'become_flags', 'become_method', 'become_user',
  'check_mode', 'diff', 'environment', 'ignore_errors', 'ignore_unreachable', 'no_log', 'port',
  'remote_user', 'run_once', 'tags', 'throttle', 'timeout', 'vars', 'when',
];

export const PLAY_KEYWORDS: ReadonlySet<string> = new Set([
  ...COMMON, 'hosts', 'gather_facts', 'gather_subset', 'gather_timeout', 'fact_path', 'tasks',
  'pre_tasks', 'post_tasks', 'handlers', 'force_handlers', 'max_fail_percentage', 'serial',
  'strategy', 'order',
]);

export const BLOCK_KEYWORDS: ReadonlySet<string> = new Set([...COMMON, 'block', 'rescue', 'always', 'notify', 'listen']);

export const TASK_KEYWORDS: ReadonlySet<string> = new Set([
  ...COMMON, 'action', 'args', 'async', 'changed_when', 'delay', 'failed_when', 'loop',
  'loop_control', 'notify', 'poll', 'register', 'retries', 'until', 'listen',
]);

/** Keywords whose value Ansible evaluates as a bare Jinja expression. */
export const CONDITIONAL_KEYWORDS: ReadonlySet<string> = new Set(['when', 'changed_when', 'failed_when', 'until']);

export const LOOP_CONTROL_KEYS: ReadonlySet<string> = new Set(['loop_var', 'index_var', 'label', 'pause', 'extended', 'extended_allitems', 'break_when']);

/** with_<lookup> loops that only iterate over data. */
export const DATA_LOOKUPS: ReadonlySet<string> = new Set([
  'items', 'list', 'dict', 'indexed_items', 'flattened', 'nested', 'together', 'sequence',
  'subelements', 'random_choice', 'cartesian', 'inventory_hostnames',
]);

export const STRATEGIES: ReadonlySet<string> = new Set(['linear', 'free', 'host_pinned']);
