/**
 * The few filesystem calls Node does not have: mknod, mkfifo and setxattr.
 *
 * They are rare in layers (a handful of device nodes and fifos, xattrs mostly for file
 * capabilities), so spawning coreutils' mknod/mkfifo and attr's setfattr costs little and keeps a
 * native addon out of the build. Two things keep spawns off the hot path:
 * - xattrs are collected for the whole layer and set by one `setfattr -h --restore` at the end;
 * - overlay whiteouts (one per deleted file, possibly thousands) are hardlinks to one 0:0 character
 *   device made per layer, which is what the kernel's own overlayfs does for its whiteouts.
 * Paths passed here are relative to `cwd` (the layer root) and made only of real directories
 * (see safe-path.ts); `-h` keeps setfattr from following a symlink in the last component.
 */
import { spawnSync } from 'node:child_process';
import { HullError } from '../errors.js';

function run(cmd: string, args: string[], cwd: string, input?: string): void {
  const r = spawnSync(cmd, args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'ignore', 'pipe'] });
  if (r.error) {
    throw new HullError('CANNOT_INVOKE', `Cannot run "${cmd}": ${r.error.message}`, {
      hint: cmd === 'setfattr' ? 'install the "attr" package (scripts/setup.sh does)' : 'install coreutils',
      cause: r.error,
    });
  }
  if (r.status !== 0) {
    throw new Error(`${cmd} failed: ${(r.stderr || `exit ${r.status}`).trim()}`);
  }
}

export function mknod(cwd: string, rel: string, kind: 'char' | 'block', major: number, minor: number): void {
  run('mknod', ['-m', '000', '--', rel, kind === 'char' ? 'c' : 'b', String(major), String(minor)], cwd);
}

export function mkfifo(cwd: string, rel: string): void {
  run('mkfifo', ['-m', '000', '--', rel], cwd);
}

/** Escapes a path as getfattr --dump does: octal for anything but safe printable ASCII. */
function escapePath(rel: string): string {
  let out = '';
  for (const byte of Buffer.from(rel, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9._/+,:@%^-]/.test(ch) ? ch : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** Sets xattrs on many files in one spawn; values are written base64 ("0s") so any bytes pass. */
export function setXattrs(cwd: string, all: Map<string, Map<string, Buffer>>): void {
  if (all.size === 0) return;
  const lines: string[] = [];
  for (const [rel, attrs] of all) {
    lines.push(`# file: ${escapePath(rel === '' ? '.' : rel)}`);
    for (const [name, value] of attrs) {
      // setfattr cannot express an empty value as 0s; an empty quoted string works.
      lines.push(value.length === 0 ? `${name}=""` : `${name}=0s${value.toString('base64')}`);
    }
    lines.push('');
  }
  run('setfattr', ['-h', '--restore=-'], cwd, `${lines.join('\n')}\n`);
}
