/**
 * Reads Slipway's CRDs from crds/ and turns their OpenAPI schemas into FieldDescriptions,
 * the runtime shape that src/api/types.ts also uses, so the two can be compared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, type CelRule, type FieldDescription } from './types.js';

export const CRD_FILES = {
  [CLUSTER_PLURAL]: `${CLUSTER_PLURAL}.${GROUP}.yaml`,
  [CLUSTER_OPERATION_PLURAL]: `${CLUSTER_OPERATION_PLURAL}.${GROUP}.yaml`,
} as const;
export type CrdPlural = keyof typeof CRD_FILES;

/** An OpenAPI v3 schema node as written in the YAML (client-node's type renames enum/default). */
export interface SchemaNode {
  type?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  'x-kubernetes-int-or-string'?: boolean;
  [keyword: string]: unknown;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
  subresources?: { status?: object };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; description?: string; priority?: number }[];
}

/** The parts of a CustomResourceDefinition this module and its tests read. */
export interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

export class CrdSchemaError extends Error {
  override readonly name = 'CrdSchemaError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** The repository's crds/ directory, found from this module whether run from src/ or dist/. */
export function crdDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'crds');
    if (existsSync(join(candidate, CRD_FILES[CLUSTER_PLURAL]))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new CrdSchemaError('crds/', 'not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function loadCrd(plural: CrdPlural, dir = crdDir()): Crd {
  const file = join(dir, CRD_FILES[plural]);
  const crd = parse(readFileSync(file, 'utf8')) as Crd | null;
  if (crd?.kind !== 'CustomResourceDefinition') throw new CrdSchemaError(file, 'not a CustomResourceDefinition');
  return crd;
}

export function versionSchema(crd: Crd, version: string): SchemaNode {
  const schema = crd.spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
  if (!schema) throw new CrdSchemaError(crd.metadata.name, `no schema for version ${version}`);
  return schema;
}

/** Keywords that carry no meaning for a field's name, type or value set. */
const IGNORED = new Set([
  'description',
  'pattern',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);
const UNDERSTOOD = new Set([
  ...IGNORED,
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'maxLength',
  'maxItems',
  'maxProperties',
  'x-kubernetes-validations',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'anyOf',
  'x-kubernetes-int-or-string',
]);

/**
 * Describes one schema node. Throws on keywords it does not understand rather than skipping
 * them, so a constraint added to a CRD can't silently escape the comparison with types.ts.
 */
export function describeSchema(node: SchemaNode, path: string): FieldDescription {
  for (const key of Object.keys(node)) {
    if (!UNDERSTOOD.has(key)) throw new CrdSchemaError(path, `unexpected schema keyword ${key}`);
  }
  if (node['x-kubernetes-int-or-string'] === true) return { type: 'int-or-string' };
  if (node.anyOf) throw new CrdSchemaError(path, 'anyOf outside x-kubernetes-int-or-string');
  switch (node.type) {
    case 'string':
    case 'integer':
    case 'boolean':
      return scalar(node, path);
    case 'array':
      if (!node.items) throw new CrdSchemaError(path, 'array without items');
      return { type: 'array', items: describeSchema(node.items, `${path}[]`), ...bounds(node, ['maxItems']) };
    case 'object':
      return describeObject(node, path);
    default:
      throw new CrdSchemaError(path, `unsupported type ${String(node.type)}`);
  }
}

function scalar(node: SchemaNode, path: string): FieldDescription {
  const out: { -readonly [K in keyof FieldDescription]: FieldDescription[K] } = {
    type: node.type as 'string' | 'integer' | 'boolean',
  };
  if (node.format !== undefined) out.format = node.format;
  if (node.enum !== undefined) out.enum = node.enum.map(String);
  if (node.default !== undefined) out.default = String(node.default);
  if (node.minimum !== undefined) out.minimum = node.minimum;
  Object.assign(out, bounds(node, ['maximum', 'maxLength']), rulesOf(node, path));
  if (out.type !== 'string' && (out.enum !== undefined || out.default !== undefined)) {
    throw new CrdSchemaError(path, 'enum/default only supported on strings');
  }
  return out;
}

function describeObject(node: SchemaNode, path: string): FieldDescription {
  if (node.additionalProperties !== undefined) {
    if (node.properties) throw new CrdSchemaError(path, 'both properties and additionalProperties');
    const values = node.additionalProperties;
    if (typeof values !== 'object') throw new CrdSchemaError(path, 'additionalProperties must be a schema');
    return { type: 'map', values: describeSchema(values, `${path}{}`), ...bounds(node, ['maxProperties']), ...rulesOf(node, path) };
  }
  const properties = node.properties ?? {};
  const required = new Set(node.required ?? []);
  for (const name of required) {
    if (!(name in properties)) throw new CrdSchemaError(path, `required field ${name} is not a property`);
  }
  const fields: Record<string, FieldDescription> = {};
  for (const [name, child] of Object.entries(properties)) {
    fields[name] = { ...describeSchema(child, `${path}.${name}`), required: required.has(name) };
  }
  return { type: 'object', fields, ...rulesOf(node, path) };
}

type Bound = 'maximum' | 'maxLength' | 'maxItems' | 'maxProperties';

/** The numeric bounds among `keys` that the node sets. */
function bounds(node: SchemaNode, keys: Bound[]): Partial<Record<Bound, number>> {
  return Object.fromEntries(keys.filter((k) => typeof node[k] === 'number').map((k) => [k, node[k] as number]));
}

/** The node's CEL rules (x-kubernetes-validations), each a rule and its message; nothing else of theirs is understood. */
function rulesOf(node: SchemaNode, path: string): { rules?: CelRule[] } {
  const list = node['x-kubernetes-validations'];
  if (list === undefined) return {};
  if (!Array.isArray(list)) throw new CrdSchemaError(path, 'x-kubernetes-validations is not a list');
  return {
    rules: list.map((v: Record<string, unknown>) => {
      const extra = Object.keys(v).filter((k) => k !== 'rule' && k !== 'message');
      if (extra.length > 0 || typeof v['rule'] !== 'string' || typeof v['message'] !== 'string') throw new CrdSchemaError(path, `a validation rule other than {rule, message}: ${JSON.stringify(v)}`);
      return { rule: v['rule'], message: v['message'] };
    }),
  };
}
