/**
 * COPY and ADD: the sources (the build context through its ignore file, a here-document, or
 * another stage's or image's files with --from) hashed into the step's cache key, then, on a miss,
 * copied into a fresh view on the parent's layers with --chown and --chmod; the view's changes
 * become the step's layer.
 */
import { HullError, errorMessage, isHullError } from '../errors.js';
import { resolveUser } from '../runtime/user.js';
import type { CopyInstruction, Stage } from './instructions.js';
import { expandHeredoc, expandWord } from './expand.js';
import { copyCreatedBy } from './stage-config.js';
import { copyInto, hashSources, resolveSources, writeHeredocs, type SourceRoot } from './copy.js';
import type { State } from './build-state.js';
import type { BuildHost } from './builder.js';

export async function copyStep(b: BuildHost, stage: Stage, state: State, instr: CopyInstruction, step: number): Promise<State> {
  const where = b.where(instr);
  const expand = (raw: string) => expandWord(raw, b.vars(state), b.escape);
  const defaults = state.config.config ?? {};
  if (instr.kind === 'ADD' && instr.sources.some((s) => /^[a-z]+:\/\//i.test(expand(s)))) {
    throw new HullError('UNSUPPORTED', `Cannot ADD a URL at ${where}: remote sources are not supported yet`, { hint: 'download the file into the build context and ADD or COPY it from there' });
  }
  const sources = instr.sources.map(expand);
  const rawDest = expand(instr.dest);
  const dest = rawDest.startsWith('/') ? rawDest : `${(defaults.WorkingDir || '/').replace(/\/$/, '')}/${rawDest}`;
  const root: SourceRoot = instr.from !== undefined
    ? { dir: await b.fromRoot(instr.from, stage), name: `"${instr.from}"`, excluded: () => false, skipDir: () => true, keepOwners: true }
    : { dir: b.opts.contextDir, name: 'the build context', excluded: (rel) => b.opts.filter.excluded(rel), skipDir: (rel) => b.opts.filter.skipDir(rel), keepOwners: false };
  const mode = instr.chmod !== undefined ? parseChmod(expand(instr.chmod), where) : undefined;
  const chown = instr.chown !== undefined ? expand(instr.chown) : undefined;
  const heredocs = instr.heredocs.map((h) => ({ name: h.name, content: h.expand ? expandHeredoc(h.content, b.vars(state)) : h.content }));
  const items = resolveSources(root, sources.filter((s) => !instr.heredocs.some((h) => s === `<<${h.name}` || s === `<<-${h.name}`)));
  // The owner needs the destination's /etc/passwd: resolved in the parent's view below; numeric ids now.
  const numericOwner = chown !== undefined && /^\d+(:\d+)?$/.test(chown) ? parseNumericOwner(chown) : undefined;
  const contentHash = hashSources(root, items, { ...(numericOwner ? { owner: numericOwner } : {}), ...(mode !== undefined ? { mode } : {}) }) + JSON.stringify(heredocs);
  const summary = items.length === 1 && heredocs.length === 0 ? `${items[0]?.isDir ? 'dir' : 'file'}:${contentHash.slice(0, 64)}` : `multi:${contentHash.slice(0, 64)}`;
  const key = JSON.stringify([instr.kind, sources, dest, chown ?? null, mode ?? null, instr.from ?? null]);
  return b.cachedStep(step, state, key, contentHash, () =>
    b.layerState(state, copyCreatedBy(instr.kind, summary, rawDest), `the layer of ${where}`, async (view) => {
      const owner = chown === undefined ? undefined : numericOwner ?? ownerIn(view.rootfs, chown);
      const opts = { dest, ...(owner ? { owner } : {}), ...(mode !== undefined ? { mode } : {}), extract: instr.kind === 'ADD' };
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
