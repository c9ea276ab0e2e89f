/**
 * Before starting a container, find its command the way execve(2) will, inside the rootfs, so a
 * missing or non-executable command gets docker's exit codes (127, 126) and a clear message
 * instead of a runtime error after the namespaces are built.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { posix } from 'node:path';
import { HullError } from '../errors.js';
import { resolveInRoot } from '../sys/safe-path.js';

export function checkExecutable(rootfs: string, command: string, env: string[], cwd: string): void {
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
  const candidates = command.includes('/') ? [posix.resolve(cwd, command)] : pathVar.split(':').filter(Boolean).map((d) => posix.join(d, command));
  let foundNotExecutable: string | undefined;
  for (const candidate of candidates) {
    let host: string;
    try {
      host = resolveInRoot(rootfs, candidate);
    } catch {
      continue;
    }
    let isFile: boolean;
    try {
      isFile = statSync(host).isFile();
    } catch {
      continue;
    }
    if (!isFile) {
      foundNotExecutable ??= candidate;
      continue;
    }
    try {
      accessSync(host, constants.X_OK);
      return;
    } catch {
      foundNotExecutable ??= candidate;
    }
  }
  if (foundNotExecutable !== undefined) {
    throw new HullError('CANNOT_INVOKE', `Cannot run "${command}" in the container: ${foundNotExecutable} is not an executable file`, {
      hint: 'check the file mode and type in the image',
    });
  }
  throw new HullError('COMMAND_NOT_FOUND', `Cannot run "${command}" in the container: executable file not found${command.includes('/') ? '' : ' in $PATH'}`, {
    hint: 'check the command name and the image\'s PATH',
  });
}
