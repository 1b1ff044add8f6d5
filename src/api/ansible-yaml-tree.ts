/** YAML as Ansible reads it, with lines: what `readAnsibleYaml` produces and checks walk. */

import type { ScalarValue } from './pyyaml-scalar.js';

export type YamlNode = YamlScalar | YamlSeq | YamlMap;

export interface YamlScalar {
  kind: 'scalar';
  value: ScalarValue;
  line: number;
}

export interface YamlSeq {
  kind: 'seq';
  items: YamlNode[];
  line: number;
}

export interface YamlMap {
  kind: 'map';
  /** Keys are strings: anything else is refused while reading. Unique, in source order. */
  entries: YamlEntry[];
  line: number;
}

export interface YamlEntry {
  key: string;
  keyLine: number;
  value: YamlNode;
}

/** The values checks and renderers see: exactly what PyYAML would construct. */
export type PlainValue = ScalarValue | PlainValue[] | { [key: string]: PlainValue };

/**
 * A string Ansible must never template: rendered with Ansible's `!unsafe` tag. Only the
 * template guard (policy/template-guard.ts) makes these, after every check has run.
 */
export class UnsafeText {
  constructor(readonly text: string) {}
}

/** What the renderers accept: checked values, some strings marked unsafe. */
export type RenderValue = ScalarValue | UnsafeText | RenderValue[] | { [key: string]: RenderValue };

export function isNull(node: YamlNode | undefined): boolean {
  return node === undefined || (node.kind === 'scalar' && node.value === null);
}

export function entryOf(map: YamlMap, key: string): YamlEntry | undefined {
  return map.entries.find((e) => e.key === key);
}

/** Plain data: objects are built with own data properties, so "__proto__" stays a key. */
export function toPlain(node: YamlNode): PlainValue {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map':
      return Object.fromEntries(node.entries.map((e) => [e.key, toPlain(e.value)]));
  }
}

/** A mapping's entries as plain variables. */
export function plainVars(map: YamlMap | undefined): Record<string, PlainValue> {
  return map ? (toPlain(map) as Record<string, PlainValue>) : {};
}
