/**
 * Nothing in src/ imports a folder above its own: each folder may import only its own files and
 * the folders declared before it. The tools (lab, bundle, hosts) may import any layer; no layer
 * imports a tool except the CLI, which starts them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

/** Lowest first. Folders on one row are peers and do not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['util'],
  ['api'],
  ['policy'],
  ['inventory'],
  ['engine'],
  ['sandbox'],
  ['executors'],
  // Pure status builders over a plan and an executor's result; the use case computes statuses with them.
  ['status'],
  ['operations'],
  ['oplog', 'observe', 'desired', 'backups'],
  ['controller'],
  ['webhook', 'console'],
  ['cli'],
];
const TOOLS = new Set(['lab', 'bundle', 'hosts']);

interface Import {
  file: string;
  spec: string;
}

const layerOf = (folder: string): number => LAYERS.findIndex((row) => row.includes(folder));

/** The imports that reach a folder above (or beside) the importing file's; paths are relative to src/. */
export function violations(imports: readonly Import[]): string[] {
  const found: string[] = [];
  for (const { file, spec } of imports) {
    if (!spec.startsWith('.')) continue;
    const from = file.split('/')[0]!;
    const to = normalize(join(dirname(file), spec)).split('/')[0]!;
    if (from === to || TOOLS.has(from)) continue;
    const ok = TOOLS.has(to) ? from === 'cli' : layerOf(to) >= 0 && layerOf(from) >= 0 && layerOf(to) < layerOf(from);
    if (!ok) found.push(`${file} imports ${spec}`);
  }
  return found;
}

const SRC = new URL('../../../src/', import.meta.url).pathname;

function sourceImports(): Import[] {
  const imports: Import[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) imports.push({ file: relative(SRC, path), spec: m[1]! });
      }
    }
  };
  walk(SRC);
  return imports;
}

describe('import layers', () => {
  it('tells downward imports from upward and sideways ones', () => {
    const rows: { file: string; spec: string; ok: boolean }[] = [
      { file: 'controller/turn.ts', spec: '../executors/types.js', ok: true },
      { file: 'controller/turn.ts', spec: './cluster-queue.js', ok: true },
      { file: 'controller/turn/phases.ts', spec: '../status-writer.js', ok: true },
      { file: 'executors/job-executor.ts', spec: '../controller/informer.js', ok: false },
      { file: 'observe/cluster-observer.ts', spec: '../oplog/log-chunks.js', ok: false },
      { file: 'api/x.ts', spec: '../lab/lab-up.js', ok: false },
      { file: 'cli/main.ts', spec: '../lab/lab-command.js', ok: true },
      { file: 'lab/lab-up.ts', spec: '../bundle/bundle-layout.js', ok: true },
      { file: 'util/x.ts', spec: '../nowhere/y.js', ok: false },
      { file: 'util/x.ts', spec: 'pino', ok: true },
    ];
    for (const row of rows) assert.equal(violations([row]).length === 0, row.ok, `${row.file} → ${row.spec}`);
  });

  it('holds for every import in src/', () => {
    const imports = sourceImports();
    assert.ok(imports.length > 500, `only ${imports.length} imports found under ${SRC}`);
    assert.deepEqual(violations(imports), []);
  });
});
