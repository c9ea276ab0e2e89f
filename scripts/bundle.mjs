// Bundles the CLI into dist/bundle/ with esbuild. Why: Node 20's ESM loader costs ~2 ms per file,
// and a container start pays for every module; one bundle (split at the dynamic imports, so
// commands still load only what they need) starts ~5x faster than ~50 loose files.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';

const outdir = 'dist/bundle';
const result = await build({
  entryPoints: ['src/main.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  // A native addon: loaded from node_modules at run time.
  external: ['node-unix-socket'],
  // Bundled CommonJS dependencies call require(); give them one.
  banner: { js: "import { createRequire as __hullRequire } from 'node:module'; const require = __hullRequire(import.meta.url);" },
  logLevel: 'warning',
});

// Chunk names carry a content hash: drop the chunks of earlier builds so the directory stays small.
const current = new Set(Object.keys(result.metafile.outputs).map((p) => basename(p)));
for (const f of readdirSync(outdir)) if (!current.has(f)) rmSync(`${outdir}/${f}`, { force: true });
