/** Finding a program on PATH (conmon needs the runtime's absolute path). */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function which(program: string, pathVar = process.env.PATH ?? FALLBACK_PATH): string | undefined {
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
