/** hull's version, read once from package.json beside the compiled code. */
import { readFileSync } from 'node:fs';

export function hullVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next location (src/ when run from dist/src)
    }
  }
  return 'unknown';
}
