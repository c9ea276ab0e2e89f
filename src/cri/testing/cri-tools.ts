/**
 * Test-only: where crictl and critest (kubernetes-sigs/cri-tools) are, once scripts/critest.sh has
 * built them (HULL_CRI_TOOLS_DIR, default /var/cache/hull-cri-tools). They are built from source
 * on demand, so tests that need them skip, saying why, where they are not built.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CRI_TOOLS_DIR = process.env.HULL_CRI_TOOLS_DIR ?? '/var/cache/hull-cri-tools';

export function findCriTool(name: 'crictl' | 'critest'): string | undefined {
  const p = join(CRI_TOOLS_DIR, name);
  return existsSync(p) ? p : undefined;
}

export const criToolMissing = (name: string) => `${name} is not built: run "bash scripts/critest.sh --build-only" (builds cri-tools from a local git copy)`;
