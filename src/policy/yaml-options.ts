import type { ParseOptions, DocumentOptions, SchemaOptions, ScalarTag, Tags } from 'yaml';

const BOOL = 'tag:yaml.org,2002:bool';

/** PyYAML's booleans: YAML 1.1's list without y/n (which PyYAML reads as strings). */
const pyBool = (value: boolean, test: RegExp): ScalarTag => ({
  tag: BOOL,
  default: true,
  test,
  identify: (v) => v === value,
  resolve: () => value,
});

/** Ansible's own tags; their content is kept as a string (and still checked). */
const passthrough = (tag: string): ScalarTag => ({ tag, resolve: (s: string) => s, identify: () => false });

/**
 * Options that make the yaml package read a document the way Ansible's PyYAML loader does
 * (YAML 1.1 scalars and merge keys), except that duplicate keys are an error instead of
 * "last one wins", so nothing can hide behind an earlier key. `ansibleTags` accepts
 * Ansible's !unsafe and !vault tags (as strings); without it they are an error.
 */
export function ansibleYaml(opts: { ansibleTags: boolean }): ParseOptions & DocumentOptions & SchemaOptions {
  return {
    version: '1.1',
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
    customTags: (tags: Tags): Tags => [
      ...tags.filter((t) => typeof t === 'string' || t.tag !== BOOL),
      pyBool(true, /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/),
      pyBool(false, /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/),
      ...(opts.ansibleTags ? [passthrough('!unsafe'), passthrough('!vault')] : []),
    ],
  };
}
