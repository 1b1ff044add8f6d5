/**
 * The front end: console/index.html and console/styles.css from the checkout, its compiled
 * modules from dist/console/, and Lit's ES modules straight from node_modules (an import map in
 * the page names them): nothing is fetched from elsewhere at run time, as air-gapped sites need.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout (or image) root: this file is dist/src/console/static-files.js. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APP_DIR = join(ROOT, 'dist', 'console');
const PAGE_DIR = join(ROOT, 'console');

/** The packages the page imports, by the prefix the import map gives them under /vendor/. */
const VENDOR: Record<string, string> = Object.fromEntries(['lit', 'lit-html', 'lit-element', '@lit/reactive-element'].map((pkg) => [pkg, packageDir(pkg)]));

/** The package's own directory (node resolves some of these to a node/ build inside it: the browser gets the top one). */
function packageDir(pkg: string): string {
  const file = fileURLToPath(import.meta.resolve(pkg));
  const marker = `${sep}node_modules${sep}${pkg.split('/').join(sep)}${sep}`;
  const at = file.lastIndexOf(marker);
  return at >= 0 ? file.slice(0, at + marker.length - 1) : dirname(file);
}

export interface StaticFile {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml' };

/** Joins `rel` under `dir`, or undefined if it would leave it. */
function under(dir: string, rel: string): string | undefined {
  const path = normalize(join(dir, rel));
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? path : undefined;
}

async function fileAt(path: string | undefined): Promise<StaticFile | undefined> {
  if (!path) return undefined;
  const ext = /\.[a-z]+$/.exec(path)?.[0] ?? '';
  const type = TYPES[ext];
  if (!type) return undefined;
  try {
    return { type, body: await readFile(path) };
  } catch {
    return undefined;
  }
}

/** The page with its nonce filled in (the import map is an inline script the CSP allows by nonce). */
export async function indexPage(nonce: string): Promise<string> {
  return (await readFile(join(PAGE_DIR, 'index.html'), 'utf8')).replaceAll('{{nonce}}', nonce);
}

/** /app/… and /vendor/<package>/… (JavaScript and CSS only). */
export async function staticFile(pathname: string): Promise<StaticFile | undefined> {
  const rel = decodeURIComponent(pathname);
  if (rel.includes('\0')) return undefined;
  if (rel === '/app/styles.css') return fileAt(join(PAGE_DIR, 'styles.css'));
  if (rel.startsWith('/app/') && rel.endsWith('.js')) return fileAt(under(APP_DIR, rel.slice('/app/'.length)));
  if (!rel.startsWith('/vendor/') || !rel.endsWith('.js')) return undefined;
  const rest = rel.slice('/vendor/'.length);
  const pkg = Object.keys(VENDOR).find((p) => rest.startsWith(`${p}/`));
  return pkg ? fileAt(under(VENDOR[pkg]!, rest.slice(pkg.length + 1))) : undefined;
}
