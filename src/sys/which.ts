/** Finding a program on PATH (conmon needs the runtime's absolute path). */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** The host's standard program directories: where hull finds runc, mount, iptables, CNI's helpers. */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const FALLBACK_PATH = HOST_PATH;

/** `pathVar`: the caller's PATH (the engine's options), searched before the host's standard directories. */
export function which(program: string, pathVar: string = FALLBACK_PATH): string | undefined {
  if (program.includes('/')) return program;
  for (const dir of `${pathVar}:${FALLBACK_PATH}`.split(':').filter(Boolean)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}
