/**
 * A build whose context arrives as a tar stream (the Docker API's POST /build): the archive is
 * unpacked with the same breakout-safe extraction as image layers (no `..`, no absolute paths, no
 * write through a symlink out of the directory) into a private directory under the runroot, built
 * as `hull build DIR` builds it, and removed afterwards whatever happens. A remote context (a git
 * repository or a URL, remote-context.ts) is fetched into such a directory the same way.
 */
import { mkdtempSync, rmSync, mkdirSync, realpathSync, existsSync } from 'node:fs';
import { join, normalize, isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import { HullError } from '../errors.js';
import { applyLayer } from '../archive/apply-layer.js';
import { decompressExternal } from '../archive/external-decompress.js';
import type { BuildRequest } from '../build/service.js';
import type { BuildEventSink } from '../build/events.js';
import type { BuildResult } from '../build/builder.js';
import type { Engine } from './engine.js';
import { fetchRemoteContext, parseRemoteContext } from './remote-context.js';

export type ArchiveBuildRequest = Omit<BuildRequest, 'contextDir' | 'file'> & {
  /** The Dockerfile's path inside the context (default: Containerfile, else Dockerfile). */
  dockerfile?: string;
};

/** A path inside the context: relative, and never above it. */
export function contextPath(path: string): string {
  const n = normalize(path.replace(/^\.\//, ''));
  if (isAbsolute(path) || n === '..' || n.startsWith('../')) throw new HullError('INVALID_ARGUMENT', `Cannot use dockerfile ${JSON.stringify(path)}: it must be a path inside the build context`);
  return n;
}

export async function buildFromArchive(engine: Engine, context: Readable | NodeJS.ReadableStream, req: ArchiveBuildRequest, emit: BuildEventSink): Promise<BuildResult> {
  return buildInScratchDir(engine, req, emit, async (dir) => {
    // gzip and zstd are decoded by applyLayer itself; bzip2 and xz (docker accepts them too) here.
    const tar = await decompressExternal(context, 'the build context', req.signal);
    await applyLayer(dir, tar, { whiteouts: 'delete', layer: 'the build context', ...(req.signal ? { signal: req.signal } : {}) });
    return dir;
  });
}

/** A build of a remote context (remote-context.ts): a git repository or a URL. */
export async function buildFromRemote(engine: Engine, remote: string, req: ArchiveBuildRequest, emit: BuildEventSink): Promise<BuildResult> {
  parseRemoteContext(remote); // a bad URL is refused before anything is made
  return buildInScratchDir(engine, req, emit, (dir) => fetchRemoteContext(remote, join(dir, 'context'), req.signal));
}

/** Builds the context `fill` puts in a private directory (it returns the context's directory), removed afterwards whatever happens. */
async function buildInScratchDir(engine: Engine, req: ArchiveBuildRequest, emit: BuildEventSink, fill: (dir: string) => Promise<string>): Promise<BuildResult> {
  const dockerfile = req.dockerfile === undefined || req.dockerfile === '' ? undefined : contextPath(req.dockerfile);
  const base = join(engine.options.runroot, 'build-contexts');
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const scratch = mkdtempSync(join(base, 'ctx-'));
  try {
    const dir = await fill(scratch);
    if (dockerfile !== undefined && existsSync(join(dir, dockerfile)) && !realpathSync(join(dir, dockerfile)).startsWith(`${realpathSync(dir)}/`)) {
      throw new HullError('INVALID_ARGUMENT', `Cannot use dockerfile ${JSON.stringify(dockerfile)}: it is a link that leaves the build context`);
    }
    const { dockerfile: _omit, ...rest } = req;
    return await engine.builds.build({ ...rest, contextDir: dir, ...(dockerfile !== undefined ? { file: join(dir, dockerfile) } : {}) }, emit);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
