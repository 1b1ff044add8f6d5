/**
 * The shell blocks of a Markdown page and the `<!-- readme-test: NAME -->` marker before each
 * (`skip (why)` for one no test can run here), and the page's links, for test/docs.
 */

export interface ShellBlock {
  /** The marker's text after `readme-test:`; undefined when the block has none. */
  marker: string | undefined;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

const MARKER = /^<!--\s*readme-test:\s*(.+?)\s*-->$/;

export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) break;
    if (fence[1] === 'sh' || fence[1] === 'bash') {
      const marker = MARKER.exec(lines[i - 1] ?? '')?.[1];
      blocks.push({ marker, code: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1 });
    }
    i = end;
  }
  return blocks;
}

/** The one block whose marker is `name`. */
export function blockNamed(markdown: string, name: string): ShellBlock {
  const found = shellBlocks(markdown).filter((b) => b.marker === name);
  if (found.length !== 1) throw new Error(`expected one block marked readme-test: ${name}, found ${found.length}`);
  return found[0]!;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const h = !inFence && /^#{1,6} (.+)$/.exec(line);
    if (h) anchors.add(headingAnchor(h[1]!));
  }
  return anchors;
}

/** Relative link targets `[text](target)` outside code, with the line they are on. */
export function relativeLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let inFence = false;
  markdown.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) return;
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (!/^[a-z]+:/.test(target)) links.push({ target, line: i + 1 });
    }
  });
  return links;
}
