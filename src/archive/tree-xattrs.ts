/**
 * Reads every xattr under a tree in one spawn of `getfattr -R` (Node has no getxattr; one spawn
 * for the tree costs far less than one per file). Paths come back escaped the way setfattr
 * --restore reads them: "\ooo" octal for bytes outside printable ASCII.
 */
import { spawn } from 'node:child_process';
import { HullError } from '../errors.js';

/** Relative path ('' for the root) -> xattr name -> value. */
export type TreeXattrs = Map<string, Map<string, Buffer>>;

function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(...Buffer.from(s[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseGetfattrDump(text: string): TreeXattrs {
  const out: TreeXattrs = new Map();
  let current: Map<string, Buffer> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      let p = unescape(line.slice('# file: '.length));
      p = p === '.' ? '' : p.startsWith('./') ? p.slice(2) : p;
      current = new Map();
      out.set(p, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) continue;
    const name = line.slice(0, eq);
    const v = line.slice(eq + 1);
    // -e base64: "0s..." base64; an empty value prints as "" (quoted).
    current.set(name, v.startsWith('0s') ? Buffer.from(v.slice(2), 'base64') : Buffer.from(v.replace(/^"|"$/g, ''), 'utf8'));
  }
  return out;
}

/** All xattrs under `dir`, symlinks not followed. */
export async function readTreeXattrs(dir: string): Promise<TreeXattrs> {
  const child = spawn('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).catch((e: unknown) => {
    throw new HullError('CANNOT_INVOKE', `Cannot read xattrs of "${dir}": getfattr did not run`, {
      hint: 'install the "attr" package (scripts/setup.sh does)',
      cause: e,
    });
  });
  // getfattr exits 1 when some file vanished or refused; what it printed is still right.
  if (code !== 0 && out.length === 0 && err.length > 0) {
    throw new HullError('INTERNAL', `Cannot read xattrs of "${dir}": ${Buffer.concat(err).toString().trim()}`);
  }
  return parseGetfattrDump(Buffer.concat(out).toString('utf8'));
}
