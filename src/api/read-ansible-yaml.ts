import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { YamlEntry, YamlNode } from './ansible-yaml-tree.js';
import type { ProblemSink } from './input-error.js';
import type { InputLimits } from './input-limits.js';
import { clip } from './input-error.js';
import { resolvePlainScalar } from './pyyaml-scalar.js';

const STR_TAG = 'tag:yaml.org,2002:str';
const MERGE_TAG = 'tag:yaml.org,2002:merge';
/** With the u flag, only surrogates that are not part of a pair match. */
const LONE_SURROGATE = /\p{Cs}/u;

export type YamlReadLimits = Pick<InputLimits, 'maxAliasNodes' | 'maxDepth'>;

/**
 * Reads YAML text as Ansible (PyYAML, YAML 1.1) would and returns it with lines (an empty
 * document is a null scalar), or undefined after reporting why it is unusable. Scalars get PyYAML's types (`yes` → true, `0x7f_00_00_01` →
 * 2130706433). Refused, each as a problem with its line: merge keys, tags other than !!str,
 * keys that are not strings, duplicate keys and anchors, dates, integers beyond 2^53, alias
 * cycles, aliases expanding past `maxAliasNodes`, nesting past `maxDepth`.
 */
export function readAnsibleYaml(text: string, problems: ProblemSink, limits: YamlReadLimits): YamlNode | undefined {
  const tooDeep = flowDepthOver(text, limits.maxDepth * 4);
  if (tooDeep !== undefined) {
    problems.error('too-deep', `nested deeper than ${limits.maxDepth} levels`, { line: lineOf(text, tooDeep) });
    return undefined;
  }
  const lc = new LineCounter();
  const line = (offset: number): number => lc.linePos(offset).line;
  const doc = parseDocument(text, { version: '1.1', schema: 'failsafe', merge: false, uniqueKeys: false, prettyErrors: false, lineCounter: lc });
  for (const err of doc.errors) {
    problems.error('malformed-yaml', `malformed YAML: ${clip(err.message.split('\n')[0] ?? '', 160)}`, { line: line(err.pos[0]) });
  }
  if (doc.errors.length > 0) return undefined;
  if (doc.contents === null) return { kind: 'scalar', value: null, line: 1 };
  const reader = new Reader(problems, limits, line);
  const root = reader.node(doc.contents, 0, '');
  return reader.failed ? undefined : root.node;
}

interface Converted {
  node: YamlNode;
  /** Nodes in the expanded tree. */
  size: number;
  /** Levels of nesting in the expanded tree. */
  height: number;
}

class Reader {
  failed = false;
  private stopped = false;
  private aliasNodes = 0;
  private readonly anchors = new Map<string, Node>();
  private readonly done = new Map<Node, Converted>();
  private readonly inProgress = new Set<Node>();

  constructor(
    private readonly problems: ProblemSink,
    private readonly limits: YamlReadLimits,
    private readonly lineAt: (offset: number) => number,
  ) {}

  private lineOf(n: Node | null | undefined, fallback = 1): number {
    return n?.range ? this.lineAt(n.range[0]) : fallback;
  }

  private error(code: string, message: string, line: number, path: string): Converted {
    this.failed = true;
    this.problems.error(code, message, { line, ...(path ? { path } : {}) });
    return nothing(line);
  }

  node(n: unknown, depth: number, path: string, fallbackLine = 1): Converted {
    if (this.stopped) return nothing(fallbackLine);
    if (n === null || n === undefined) return nothing(fallbackLine);
    const yn = n as Node;
    const line = this.lineOf(yn, fallbackLine);
    if (isAlias(yn)) return this.alias(yn.source, depth, path, line);
    if (depth > this.limits.maxDepth) {
      this.stopped = true;
      return this.error('too-deep', `nested deeper than ${this.limits.maxDepth} levels`, line, path);
    }
    const anchor = (yn as { anchor?: string }).anchor;
    if (anchor !== undefined) {
      if (this.anchors.has(anchor)) return this.error('yaml-duplicate-anchor', `anchor &${clip(anchor, 40)} is defined twice (Ansible refuses that)`, line, path);
      this.anchors.set(anchor, yn);
    }
    if (yn.tag !== undefined && !(isScalar(yn) && yn.tag === STR_TAG)) {
      return this.error('yaml-tag', `tag ${clip(yn.tag, 60)} is not accepted (only !!str); write plain values`, line, path);
    }
    this.inProgress.add(yn);
    let out: Converted;
    if (isScalar(yn)) out = this.scalar(yn.value, yn.type === 'PLAIN' && yn.tag === undefined, line, path);
    else if (isSeq(yn)) out = this.seq(yn.items, depth, path, line);
    else if (isMap(yn)) out = this.map(yn.items as Pair[], depth, path, line);
    else out = this.error('malformed-yaml', 'unexpected YAML node', line, path);
    this.inProgress.delete(yn);
    this.done.set(yn, out);
    return out;
  }

  private scalar(value: unknown, plain: boolean, line: number, path: string): Converted {
    const text = value === null || value === undefined ? '' : String(value);
    if (LONE_SURROGATE.test(text)) return this.error('yaml-bad-scalar', 'contains an escape of half a character (like "\\uD800"), which Ansible cannot read', line, path);
    if (!plain) return { node: { kind: 'scalar', value: text, line }, size: 1, height: 0 };
    const r = resolvePlainScalar(text);
    if (!r.ok) return this.error(r.code, `${clip(text, 40)} ${r.message}`, line, path);
    return { node: { kind: 'scalar', value: r.value, line }, size: 1, height: 0 };
  }

  private alias(name: string, depth: number, path: string, line: number): Converted {
    const target = this.anchors.get(name);
    if (!target) return this.error('malformed-yaml', `alias *${clip(name, 40)} names no anchor defined before it`, line, path);
    if (this.inProgress.has(target)) return this.error('yaml-alias-cycle', `alias *${clip(name, 40)} refers to a node that contains it`, line, path);
    const c = this.done.get(target) ?? this.node(target, depth, path, line);
    this.aliasNodes += c.size;
    if (this.aliasNodes > this.limits.maxAliasNodes) {
      this.stopped = true;
      return this.error('yaml-alias-bomb', `aliases expand to more than ${this.limits.maxAliasNodes} nodes (an alias bomb?)`, line, path);
    }
    if (depth + c.height > this.limits.maxDepth) {
      this.stopped = true;
      return this.error('too-deep', `alias *${clip(name, 40)} nests deeper than ${this.limits.maxDepth} levels`, line, path);
    }
    return c;
  }

  private seq(items: unknown[], depth: number, path: string, line: number): Converted {
    const out: YamlNode[] = [];
    let size = 1;
    let height = 0;
    items.forEach((item, i) => {
      const c = this.node(item, depth + 1, `${path}[${i}]`, line);
      out.push(c.node);
      size += c.size;
      height = Math.max(height, c.height + 1);
    });
    return { node: { kind: 'seq', items: out, line }, size, height };
  }

  private map(pairs: Pair[], depth: number, path: string, line: number): Converted {
    const entries: YamlEntry[] = [];
    const seen = new Set<string>();
    let size = 1;
    let height = 0;
    for (const pair of pairs) {
      const keyLine = this.lineOf(pair.key as Node | null, line);
      const key = this.key(pair.key, depth, path, keyLine);
      if (key === undefined) continue;
      const at = path ? `${path}.${key}` : key;
      if (seen.has(key)) {
        this.error('yaml-duplicate-key', `key ${clip(key, 60)} appears twice in this mapping`, keyLine, at);
        continue;
      }
      seen.add(key);
      const c = this.node(pair.value, depth + 1, at, keyLine);
      entries.push({ key, keyLine, value: c.node });
      size += c.size + 1;
      height = Math.max(height, c.height + 1);
    }
    return { node: { kind: 'map', entries, line }, size, height };
  }

  /** A mapping key as PyYAML would construct it; only strings are accepted. */
  private key(k: unknown, depth: number, path: string, line: number): string | undefined {
    const yk = k as Node | null;
    if (yk && !isAlias(yk) && yk.tag === MERGE_TAG) {
      this.error('yaml-merge-key', 'YAML merge keys ("<<") are not accepted: write the variables out', line, path);
      return undefined;
    }
    const c = this.node(yk, depth, path, line);
    if (c.node.kind === 'scalar' && typeof c.node.value === 'string') return c.node.value;
    if (this.failed && c.node.kind === 'scalar' && c.node.value === null) return undefined;
    const shown = c.node.kind === 'scalar' ? `${typeof c.node.value === 'string' ? '' : typeof c.node.value} key ${clip(String(c.node.value), 40)}` : `${c.node.kind === 'map' ? 'mapping' : 'sequence'} as a key`;
    this.error('yaml-non-string-key', `${shown.trim()} is not a string to Ansible (YAML 1.1); quote it`, line, path);
    return undefined;
  }
}

function nothing(line: number): Converted {
  return { node: { kind: 'scalar', value: null, line }, size: 1, height: 0 };
}

/**
 * The offset where flow collections ("[", "{") nest deeper than `max`, or undefined. Checked
 * on the raw text because the YAML parser's recursion exhausts memory on deep flow nesting.
 * Brackets inside quotes count too, hence the caller's generous `max`.
 */
function flowDepthOver(text: string, max: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

/** 1-based line of `offset`, counting \n, \r\n and lone \r as YAML does. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) line++;
  }
  return line;
}
