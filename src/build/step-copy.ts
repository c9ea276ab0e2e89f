/**
 * COPY and ADD: the sources (the build context through its ignore file, a here-document,
 * another stage's or image's files with --from, or ADD's URLs and git repositories, add-remote.ts) hashed into the step's cache key, then, on a miss,
 * copied into a fresh view on the parent's layers with --chown and --chmod; the view's changes
 * become the step's layer.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { HullError, errorMessage, isHullError } from '../errors.js';
import { resolveUser } from '../runtime/user.js';
import type { CopyInstruction, Stage } from './instructions.js';
import { expandHeredoc, expandWord } from './expand.js';
import { copyCreatedBy } from './stage-config.js';
import { copyInto, hashSources, resolveSources, writeHeredocs, type SourceRoot } from './copy.js';
import type { State } from './build-state.js';
import type { BuildHost } from './builder.js';
import { fetchAddSources, isRemoteSource } from './add-remote.js';

export async function copyStep(b: BuildHost, stage: Stage, state: State, instr: CopyInstruction, step: number): Promise<State> {
  const where = b.where(instr);
  const expand = (raw: string) => expandWord(raw, b.vars(state), b.escape);
  const defaults = state.config.config ?? {};
  const sources = instr.sources.map(expand);
  const remote = instr.kind === 'ADD' && sources.some(isRemoteSource);
  if (remote && !sources.every(isRemoteSource)) {
    throw new HullError('UNSUPPORTED', `Cannot ADD at ${where}: URLs and files of the build context in one ADD`, { hint: 'write one ADD for the URLs and another for the files' });
  }
  const rawDest = expand(instr.dest);
  const dest = rawDest.startsWith('/') ? rawDest : `${(defaults.WorkingDir || '/').replace(/\/$/, '')}/${rawDest}`;
  const fetched = remote
    ? await fetchAddSources(join(b.dir, `add-${step}`), sources, { keepGitDir: instr.keepGitDir ?? false, where, ...(instr.checksum !== undefined ? { checksum: expand(instr.checksum) } : {}), ...(b.opts.signal ? { signal: b.opts.signal } : {}) })
    : undefined;
  const root: SourceRoot = fetched?.root ?? (instr.from !== undefined
    ? { dir: await b.fromRoot(instr.from, stage), name: `"${instr.from}"`, excluded: () => false, skipDir: () => true, keepOwners: true }
    : { dir: b.opts.contextDir, name: 'the build context', excluded: (rel) => b.opts.filter.excluded(rel), skipDir: (rel) => b.opts.filter.skipDir(rel), keepOwners: false });
  const mode = instr.chmod !== undefined ? parseChmod(expand(instr.chmod), where) : undefined;
  const chown = instr.chown !== undefined ? expand(instr.chown) : undefined;
  const heredocs = instr.heredocs.map((h) => ({ name: h.name, content: h.expand ? expandHeredoc(h.content, b.vars(state)) : h.content }));
  const items = fetched?.items ?? resolveSources(root, sources.filter((s) => !instr.heredocs.some((h) => s === `<<${h.name}` || s === `<<-${h.name}`)));
  // The owner needs the destination's /etc/passwd: resolved in the parent's view below; numeric ids now.
  const numericOwner = chown !== undefined && /^\d+(:\d+)?$/.test(chown) ? parseNumericOwner(chown) : undefined;
  const contentHash = fetched
    ? createHash('sha256').update(`${fetched.identity}\0${JSON.stringify([numericOwner ?? null, mode ?? null])}`).digest('hex')
    : hashSources(root, items, { ...(numericOwner ? { owner: numericOwner } : {}), ...(mode !== undefined ? { mode } : {}) }) + JSON.stringify(heredocs);
  const summary = items.length === 1 && heredocs.length === 0 ? `${items[0]?.isDir ? 'dir' : 'file'}:${contentHash.slice(0, 64)}` : `multi:${contentHash.slice(0, 64)}`;
  const key = JSON.stringify([instr.kind, sources, dest, chown ?? null, mode ?? null, instr.from ?? null]);
  return b.cachedStep(step, state, key, contentHash, () =>
    b.layerState(state, copyCreatedBy(instr.kind, summary, rawDest), `the layer of ${where}`, async (view) => {
      const owner = chown === undefined ? undefined : numericOwner ?? ownerIn(view.rootfs, chown);
      const opts = { dest, ...(owner ? { owner } : {}), ...(mode !== undefined ? { mode } : {}), extract: instr.kind === 'ADD' && !remote };
      try {
        if (heredocs.length > 0) writeHeredocs(view.rootfs, heredocs, opts);
        if (items.length > 0) await copyInto(view.rootfs, root, items, opts);
      } catch (err) {
        if (isHullError(err)) throw err;
        throw new HullError('INVALID_ARGUMENT', `Cannot ${instr.kind} at ${where}: ${errorMessage(err)}`, { cause: err });
      }
      return [];
    }),
  );
}

function parseChmod(value: string, where: string): number {
  if (!/^[0-7]{3,4}$/.test(value)) throw new HullError('INVALID_ARGUMENT', `Cannot use --chmod=${value} at ${where}: expected an octal mode such as 755 or 0644`);
  return parseInt(value, 8);
}

function parseNumericOwner(spec: string): { uid: number; gid: number } {
  const [u, g] = spec.split(':');
  return { uid: Number(u), gid: Number(g ?? u) };
}

/** --chown=user[:group] with names from the destination's /etc/passwd and /etc/group; no group: the uid as gid. */
function ownerIn(rootfs: string, spec: string): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':');
  const u = resolveUser(rootfs, group === undefined ? user : `${user}:${group}`);
  return { uid: u.uid, gid: group === undefined ? u.uid : u.gid };
}
