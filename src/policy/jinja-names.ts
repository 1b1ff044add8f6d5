/**
 * The names a template may use. Everything here works on data alone; anything that
 * touches the controller (its files, environment, processes or network) is left out,
 * and FORBIDDEN_* give the reason for the ones users are most likely to try.
 */

/** Jinja2 and ansible.builtin filters that only transform data. */
export const FILTERS: ReadonlySet<string> = new Set([
  // Jinja2
  'abs', 'batch', 'capitalize', 'center', 'count', 'd', 'default', 'dictsort', 'e', 'escape',
  'filesizeformat', 'first', 'float', 'forceescape', 'format', 'groupby', 'indent', 'int',
  'items', 'join', 'last', 'length', 'list', 'lower', 'map', 'max', 'min', 'pprint', 'random',
  'reject', 'rejectattr', 'replace', 'reverse', 'round', 'safe', 'select', 'selectattr',
  'slice', 'sort', 'string', 'striptags', 'sum', 'title', 'tojson', 'trim', 'truncate',
  'unique', 'upper', 'urlencode', 'urlize', 'wordcount', 'wordwrap', 'xmlattr',
  // ansible.builtin
  'b64decode', 'b64encode', 'basename', 'bool', 'checksum', 'combinations', 'combine',
  'comment', 'dict2items', 'difference', 'dirname', 'extract', 'flatten', 'from_json',
  'from_yaml', 'from_yaml_all', 'hash', 'human_readable', 'human_to_bytes', 'intersect',
  'items2dict', 'log', 'mandatory', 'md5', 'normpath', 'password_hash', 'path_join',
  'permutations', 'pow', 'product', 'quote', 'regex_escape', 'regex_findall',
  'regex_replace', 'regex_search', 'root', 'sha1', 'shuffle', 'split', 'splitext',
  'strftime', 'subelements', 'symmetric_difference', 'ternary', 'to_datetime', 'to_json',
  'to_nice_json', 'to_nice_yaml', 'to_uuid', 'to_yaml', 'type_debug', 'union', 'urlsplit',
  'win_basename', 'win_dirname', 'win_splitdrive', 'zip', 'zip_longest', 'version_compare',
  // ansible.utils / ansible.netcommon network helpers (pure), community.general.json_query
  'ipaddr', 'ipv4', 'ipv6', 'ipwrap', 'ipmath', 'ipsubnet', 'nthhost', 'next_nth_usable',
  'json_query',
]);

/** Collections whose filters may be named by FQCN (only the names in FILTERS). */
export const FILTER_NAMESPACES: ReadonlySet<string> = new Set([
  'ansible.builtin', 'ansible.legacy', 'ansible.utils', 'ansible.netcommon', 'community.general',
]);

export const FORBIDDEN_FILTERS: Readonly<Record<string, string>> = {
  attr: 'reads any attribute of a Python object, the first step of every template sandbox escape',
  fileglob: "lists files on Slipway's machine",
  realpath: "resolves paths on Slipway's machine",
  relpath: "resolves paths against Slipway's working directory",
  expanduser: "reads Slipway's home directory",
  expandvars: "reads Slipway's environment variables",
  vault: "uses Slipway's vault secrets",
  unvault: "uses Slipway's vault secrets",
};

/** Jinja2 and ansible.builtin tests that only inspect data. */
export const TESTS: ReadonlySet<string> = new Set([
  'boolean', 'callable', 'defined', 'divisibleby', 'eq', 'equalto', 'escaped', 'even', 'false',
  'filter', 'float', 'ge', 'greaterthan', 'gt', 'in', 'integer', 'iterable', 'le', 'lessthan',
  'lower', 'lt', 'mapping', 'ne', 'none', 'number', 'odd', 'sameas', 'sequence', 'string',
  'test', 'true', 'undefined', 'upper',
  'abs', 'all', 'any', 'change', 'changed', 'contains', 'failed', 'failure', 'falsy',
  'finished', 'is_abs', 'match', 'nan', 'reachable', 'regex', 'search', 'skip', 'skipped',
  'started', 'subset', 'succeeded', 'success', 'successful', 'superset', 'truthy',
  'unreachable', 'vault_encrypted', 'version', 'version_compare',
]);

const FS_TEST = "looks at the filesystem of Slipway's machine, not the host's";
export const FORBIDDEN_TESTS: Readonly<Record<string, string>> = {
  exists: FS_TEST, file: FS_TEST, directory: FS_TEST, link: FS_TEST, link_exists: FS_TEST,
  mount: FS_TEST, same_file: FS_TEST, is_file: FS_TEST, is_dir: FS_TEST, is_link: FS_TEST,
  is_mount: FS_TEST, is_same_file: FS_TEST,
};

/**
 * Methods callable with `value.method(...)`. Only pure string/list/dict methods; not
 * `format` (format strings read attributes) nor `replace` (use the replace filter: the
 * method name also belongs to functions such as os.replace).
 */
export const METHODS: ReadonlySet<string> = new Set([
  'split', 'rsplit', 'splitlines', 'strip', 'lstrip', 'rstrip', 'lower', 'upper', 'title',
  'capitalize', 'startswith', 'endswith', 'join', 'items', 'keys', 'values', 'get', 'count',
  'index', 'find', 'rfind', 'isdigit', 'isalpha', 'isalnum', 'isnumeric', 'zfill',
]);

/** Global functions that may be called (and only called, never referenced bare). */
export const GLOBAL_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'dict', 'now']);

const LOOKUP = "runs a lookup plugin on Slipway's machine (lookups read its files, run commands and fetch URLs)";
const RUNTIME = 'is a template runtime object, not data; reaching into it is how template sandbox escapes start';
export const FORBIDDEN_NAMES: Readonly<Record<string, string>> = {
  lookup: LOOKUP, query: LOOKUP, q: LOOKUP,
  self: RUNTIME, namespace: RUNTIME, cycler: RUNTIME, joiner: RUNTIME, lipsum: RUNTIME,
  loop: RUNTIME, caller: RUNTIME, varargs: RUNTIME, kwargs: RUNTIME, super: RUNTIME,
  undef: RUNTIME, range: RUNTIME, dict: RUNTIME, now: RUNTIME,
};

/**
 * Python object internals reachable without underscores (frames, code, generator state).
 * Methods such as `format` need no entry: reading one is harmless, calling it is refused.
 */
const INTERNAL_ATTR =
  /^(?:f_(?:back|globals|locals|builtins|code|trace)|gi_(?:frame|code|yieldfrom)|cr_(?:frame|code|await|origin)|ag_(?:frame|code|await)|tb_(?:frame|next)|co_[a-z]+|func_[a-z]+|im_(?:func|self|class))$/;

/** Why an attribute or literal key may not be used, or undefined when it may. */
export function badAttributeName(name: string): string | undefined {
  if (name.startsWith('_') || name.includes('__')) {
    return 'names starting with "_" or containing "__" reach Python internals (template sandbox escape)';
  }
  if (INTERNAL_ATTR.test(name)) return 'names a Python internal (frame, code or generator attribute)';
  return undefined;
}

/**
 * Filters that read attributes named by an argument (Jinja's getattr fallback): the
 * positions of those arguments, besides any `attribute=` keyword.
 */
export const ATTRIBUTE_ARGS: Readonly<Record<string, number[]>> = {
  groupby: [0], selectattr: [0], rejectattr: [0], sum: [0], sort: [2], unique: [1], min: [1],
  max: [1], join: [1], extract: [1],
};
