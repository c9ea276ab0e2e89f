/**
 * `hull build`: a Containerfile becomes an image. The checklist:
 *   plan the stages the target needs (plan.ts) -> for each: its base (an earlier stage, scratch,
 *   or an image, pulled when missing or with --pull), then the base's ONBUILD triggers, then each
 *   instruction as a step through the cache -> the target's last state, with --label, is recorded
 *   as an image under its names.
 *
 * A step turns one state (image config + layers) into the next. Config-only steps add a history
 * entry marked empty_layer; RUN, COPY and ADD work in a fresh overlay view on the parent's layers
 * and store its upper directory as a new layer (layer.ts). Every state after a step is written to
 * the content store (config and manifest) and recorded in the build cache under its key
 * (cache.ts), so a repeated build reuses it and ends on the very same image ID. The whole build
 * holds a GC lease; the image is recorded last, so a kill -9 leaves no image, only cache entries
 * that are complete or absent.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HullError } from '../errors.js';
import { chainIds } from '../oci/chain-id.js';
import { encodeJson, parseManifest, type ImageManifest } from '../oci/manifest.js';
import { parseImageConfig, type ImageConfig } from '../oci/image-config.js';
import { MediaType } from '../oci/media-types.js';
import { envKey } from '../oci/env.js';
import type { Digest } from '../oci/digest.js';
import { randomId } from '../sys/ids.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import type { BlobWriter, ContentStore } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { ImageRecord, ImageStore } from '../images/image-store.js';
import { normaliseName } from '../images/image-store.js';
import { withLease, type Lease } from '../images/lease.js';
import type { ContainerNetworking, NetworkAttachment } from '../network/service.js';
import type { ArgInstruction, Containerfile, Instruction, RunInstruction, Stage } from './instructions.js';
import { expandWord, expandWords, type EscapeChar } from './expand.js';
import { planStages, stageName, targetStage } from './plan.js';
import { platformArgs } from './platform-args.js';
import { applyMetadata, nopCreatedBy } from './stage-config.js';
import { BuildCache, cacheKey } from './cache.js';
import { claimBuildDir, mountView, reapDeadBuilds, type MountedView } from './views.js';
import { storeViewLayer } from './layer.js';
import { removeMountStubs } from './run-step.js';
import { requireBlobs } from '../images/require-blobs.js';
import { cancelled, metaState, sameManifestLayers, topChain, withConfig, type State } from './build-state.js';
import { baseState, fromRoot } from './bases.js';
import { runStep } from './step-run.js';
import { copyStep } from './step-copy.js';
import type { BuildEventSink } from './events.js';
import type { ContextFilter } from './ignore-file.js';

export interface BuildOptions {
  /** The build context directory. */
  contextDir: string;
  /** The parsed Containerfile. */
  file: Containerfile;
  /** The context's .containerignore/.dockerignore rules. */
  filter: ContextFilter;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  /** bridge (default), none, host or a network name. */
  network?: string;
  labels?: Record<string, string>;
  /** --secret id=ID,src=FILE */
  secrets?: Record<string, string>;
  /** os/arch[/variant]; only the host's platform can be run. */
  platform?: string;
  signal?: AbortSignal;
}

export interface BuildDeps {
  root: string;
  runroot: string;
  content: ContentStore;
  images: ImageStore;
  snapshotter: Snapshotter;
  runtime: RuntimeOptions;
  network?: ContainerNetworking;
  cache: BuildCache;
  /**
   * Finds an image (or pulls it when missing, or always with `pull`) and unpacks it if its top
   * layer is missing: ImageService.ensureUnpacked.
   */
  ensureImage: (reference: string, opts: { pull: boolean; platform?: string; onPull: () => void }) => Promise<EnsuredImage>;
  /** Parses an ONBUILD trigger as the instructions of a one-stage file. */
  parseTriggers: (triggers: readonly string[]) => Instruction[];
}

export interface BuildResult {
  id: Digest;
  names: string[];
}

export interface EnsuredImage {
  record: ImageRecord;
  manifest: ImageManifest;
  config: ImageConfig;
  top: Digest | undefined;
}

/** What the step modules (bases.ts, step-run.ts, step-copy.ts) use of the build that runs them. */
export interface BuildHost {
  readonly deps: BuildDeps;
  readonly opts: BuildOptions;
  readonly emit: BuildEventSink;
  readonly id: string;
  /** The build's private directory in the runroot (views.ts). */
  readonly dir: string;
  readonly escape: EscapeChar;
  readonly globalArgs: Map<string, string>;
  /** The final state of each stage built so far, by stage index. */
  readonly finished: Map<number, State>;
  /** Read-only views of other stages and images, by reference, mounted once per build. */
  readonly readViews: Map<string, MountedView>;
  where(instr: { line: number }): string;
  vars(state: State): (name: string) => string | undefined;
  cachedStep(step: number, state: State, instruction: string, content: string, compute: () => Promise<State>): Promise<State>;
  layerState(state: State, createdBy: string, what: string, work: (view: MountedView) => Promise<string[]>): Promise<State>;
  network(perStep: RunInstruction['network']): Promise<NetworkAttachment>;
  fromRoot(ref: string, stage: Stage): Promise<string>;
  holdBlobs(digests: readonly Digest[]): Promise<void>;
}

export async function buildImage(deps: BuildDeps, opts: BuildOptions, emit: BuildEventSink): Promise<BuildResult> {
  return withLease(deps.root, 'build', { enumerates: false }, (lease) => new Build(deps, lease, opts, emit).run());
}

class Build implements BuildHost {
  readonly id = randomId();
  readonly dir: string;
  readonly escape: EscapeChar;
  readonly globalArgs = new Map<string, string>();
  /** TARGETARCH and the other platform args: set like --build-args, which win over them. */
  private autoArgs = new Map<string, string>();
  readonly finished = new Map<number, State>();
  readonly readViews = new Map<string, MountedView>();
  private net: NetworkAttachment | undefined;
  private netAttached = false;
  private step = 0;
  private total = 0;

  /** Every blob and layer of the build is written through its lease. */
  private readonly content: BlobWriter;

  constructor(
    readonly deps: BuildDeps,
    private readonly lease: Lease,
    readonly opts: BuildOptions,
    readonly emit: BuildEventSink,
  ) {
    this.dir = join(deps.runroot, 'build', this.id.slice(0, 16));
    this.escape = opts.file.escape;
    this.content = deps.content.writer(lease);
  }

  where(instr: { line: number }): string {
    return `${this.opts.file.file}:${instr.line}`;
  }

  async run(): Promise<BuildResult> {
    await reapDeadBuilds(this.deps.runroot, this.deps.snapshotter, this.deps.runtime);
    claimBuildDir(this.deps.runroot, basename(this.dir));
    try {
      this.autoArgs = platformArgs(this.opts.platform);
      for (const [name, value] of this.autoArgs) this.globalArgs.set(name, this.opts.buildArgs?.[name] ?? value);
      for (const g of this.opts.file.globalArgs) this.declareArgs(g, this.globalArgs, (raw) => expandWord(raw, (n) => this.globalArgs.get(n), this.escape));
      const target = targetStage(this.opts.file, this.opts.target);
      const stages = planStages(this.opts.file, target, (s) => this.refsOf(s));
      this.total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0);
      for (const s of this.opts.file.stages) if (!stages.includes(s)) this.emit({ type: 'skip-stage', stage: stageName(s) });
      for (const stage of stages) this.finished.set(stage.index, await this.buildStage(stage));
      return await this.record(this.finished.get(target.index) as State);
    } finally {
      await this.cleanup();
    }
  }

  private async cleanup(): Promise<void> {
    for (const v of this.readViews.values()) await v.remove().catch(() => {});
    if (this.netAttached) await this.deps.network?.detach(this.id, { unshared: true }).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** What a stage names: its FROM image and every --from, with the global args expanded. */
  private refsOf(stage: Stage): string[] {
    const g = (raw: string) => expandWord(raw, (n) => this.globalArgs.get(n), this.escape);
    const refs = [g(stage.from.image)];
    for (const i of stage.instructions) {
      if ((i.kind === 'COPY' || i.kind === 'ADD') && i.from !== undefined) refs.push(i.from);
      if (i.kind === 'RUN') for (const m of i.mounts) if ((m.type === 'bind' || m.type === 'cache') && m.from !== undefined) refs.push(g(m.from));
    }
    return refs;
  }

  /** ARG: a --build-arg (or platform arg) value wins, then (in a stage) the global value, then the default. */
  private declareArgs(instr: ArgInstruction, into: Map<string, string>, expand: (raw: string) => string): void {
    for (const a of instr.args) {
      const given = this.opts.buildArgs?.[a.name] ?? this.autoArgs.get(a.name);
      const value = given ?? (into === this.globalArgs ? undefined : this.globalArgs.get(a.name)) ?? (a.default !== undefined ? expand(a.default) : undefined);
      if (value !== undefined) into.set(a.name, value);
      else into.delete(a.name);
    }
  }

  vars(state: State): (name: string) => string | undefined {
    const env = new Map((state.config.config?.Env ?? []).map((e) => [envKey(e), e.slice(envKey(e).length + 1)]));
    return (name) => env.get(name) ?? state.args.get(name);
  }

  private startStep(stage: Stage, text: string): number {
    if (this.opts.signal?.aborted) throw cancelled(`before STEP ${this.step + 1}`);
    this.step += 1;
    this.emit({ type: 'step', step: this.step, total: this.total, stage: stageName(stage), text });
    return this.step;
  }

  private async buildStage(stage: Stage): Promise<State> {
    const fromStep = this.startStep(stage, stage.from.original);
    let state = await baseState(this, stage);
    this.emit({ type: 'done', step: fromStep, id: state.configDigest });
    const triggers = state.config.config?.OnBuild ?? [];
    // ONBUILD triggers run in the child right after FROM; the child itself inherits none.
    if (state.config.config?.OnBuild) state = withConfig(state, { ...state.config, config: { ...state.config.config, OnBuild: null } });
    for (const instr of triggers.length > 0 ? this.deps.parseTriggers(triggers) : []) state = await this.runInstruction(stage, state, instr, this.step);
    for (const instr of stage.instructions) {
      const n = this.startStep(stage, instr.original);
      state = await this.runInstruction(stage, state, instr, n);
    }
    return state;
  }

  private async runInstruction(stage: Stage, state: State, instr: Instruction, step: number): Promise<State> {
    const x = { word: (raw: string) => expandWord(raw, this.vars(state), this.escape), words: (raw: string) => expandWords(raw, this.vars(state), this.escape) };
    switch (instr.kind) {
      case 'FROM':
        throw new HullError('INTERNAL', `Cannot run FROM at ${this.where(instr)} inside a stage`);
      case 'ARG': {
        const args = new Map(state.args);
        this.declareArgs(instr, args, x.word);
        const names = instr.args.map((a) => a.name).join(' ');
        return this.cachedStep(step, { ...state, args }, `ARG ${JSON.stringify([...args])}`, '', async () => metaState({ ...state, args }, nopCreatedBy(`ARG ${names}`), state.config.config ?? {}));
      }
      case 'RUN':
        return runStep(this, stage, state, instr, step);
      case 'COPY':
      case 'ADD':
        return copyStep(this, stage, state, instr, step);
      default: {
        const applied = applyMetadata(state.config.config ?? {}, state.flags, instr, x, this.where(instr));
        const next = { ...state, flags: applied.flags };
        const key = JSON.stringify([instr.kind, applied.config, applied.author ?? null]);
        return this.cachedStep(step, next, key, '', async () => metaState(next, nopCreatedBy(instr.original), applied.config, applied.author));
      }
    }
  }


  /**
   * Looks the step up in the cache (unless --no-cache); on a miss computes it, stores config and
   * manifest, and records the entry. The state keeps the flags and args of `state`.
   */
  async cachedStep(step: number, state: State, instruction: string, content: string, compute: () => Promise<State>): Promise<State> {
    const key = cacheKey(state.configDigest, instruction, content);
    if (!this.opts.noCache) {
      const hit = this.deps.cache.find(key, (d) => this.deps.content.has(d));
      if (hit) {
        const config = parseImageConfig(this.deps.content.readBytes(hit.config));
        const parsed = parseManifest(this.deps.content.readBytes(hit.manifest));
        const top = topChain(config);
        if (parsed.kind === 'manifest' && (top === undefined || this.deps.snapshotter.hasLayer(top))) {
          this.emit({ type: 'cached', step, id: hit.config });
          return { ...state, config, layers: parsed.manifest.layers, configDigest: hit.config, stored: { manifest: hit.manifest } };
        }
      }
    }
    const next = await compute();
    const stored = this.store(next);
    await this.deps.cache.record(key, { config: next.configDigest, manifest: stored.manifest, blobs: next.layers.map((l) => l.digest), chainIDs: chainIds(next.config.rootfs.diff_ids) });
    this.emit({ type: 'done', step, id: next.configDigest });
    return { ...next, stored };
  }

  /** Writes the state's config and manifest into the content store. */
  private store(state: State): { manifest: Digest } {
    if (state.stored) return state.stored;
    const configJson = encodeJson(state.config);
    this.content.putBytes(configJson.bytes);
    const manifest: ImageManifest = { ...sameManifestLayers(state.layers), config: { mediaType: MediaType.OciConfig, digest: configJson.digest, size: configJson.bytes.length } };
    const manifestJson = encodeJson(manifest);
    this.content.putBytes(manifestJson.bytes);
    return { manifest: manifestJson.digest };
  }

  /** A layer step: a fresh view on the parent, `work` in it, its upper directory as the new layer. */
  async layerState(state: State, createdBy: string, what: string, work: (view: MountedView) => Promise<string[]>): Promise<State> {
    const view = await mountView(this.deps.snapshotter, this.dir, topChain(state.config));
    try {
      let stubs: string[];
      try {
        stubs = await work(view);
      } finally {
        await view.unmount();
      }
      removeMountStubs(this.deps.snapshotter.viewUpperDir(view.id), stubs);
      const layer = await storeViewLayer(this.content, this.deps.snapshotter, this.lease, view.id, state.config.rootfs.diff_ids, what);
      const created = new Date().toISOString();
      const config: ImageConfig = {
        ...state.config,
        created,
        rootfs: { type: 'layers', diff_ids: [...state.config.rootfs.diff_ids, layer.diffID] },
        history: [...(state.config.history ?? []), { created, created_by: createdBy }],
      };
      return { ...withConfig(state, config), layers: [...state.layers, layer.descriptor] };
    } finally {
      await view.remove();
    }
  }

  /** The network of RUN steps, attached once per build on first use and detached at the end. */
  async network(perStep: RunInstruction['network']): Promise<NetworkAttachment> {
    const mode = perStep === 'none' || perStep === 'host' ? perStep : (this.opts.network ?? (this.deps.network ? 'bridge' : 'none'));
    if (mode === 'none') return { hostNetwork: false, etc: {} };
    if (mode === 'host' && perStep === 'host') {
      return { hostNetwork: true, etc: { hosts: '/etc/hosts', resolvConf: '/etc/resolv.conf' } };
    }
    if (!this.net) {
      if (!this.deps.network) {
        if (mode === 'host') return { hostNetwork: true, etc: { hosts: '/etc/hosts', resolvConf: '/etc/resolv.conf' } };
        throw new HullError('UNSUPPORTED', `Cannot use --network ${mode} for the build: networking is not set up`, { hint: 'use --network none or host' });
      }
      this.netAttached = true;
      const netDir = join(this.dir, 'net');
      mkdirSync(netDir, { recursive: true });
      this.net = await this.deps.network.attach({ Id: this.id, Name: `hull-build-${this.id.slice(0, 12)}`, Config: { Hostname: this.id.slice(0, 12) }, HostConfig: { NetworkMode: mode } }, netDir);
    }
    return this.net;
  }

  /** The filesystem of an earlier stage or an image (bases.ts), mounted once per build. */
  fromRoot(ref: string, stage: Stage): Promise<string> {
    return fromRoot(this, ref, stage);
  }

  /** Keeps blobs the image will share (a base image's layers) from GC until the build ends. */
  holdBlobs(digests: readonly Digest[]): Promise<void> {
    return this.lease.hold(digests);
  }

  /** The target's last state, with --label, stored and recorded under its names. */
  private async record(state: State): Promise<BuildResult> {
    const names = (this.opts.tags ?? []).map(normaliseName);
    let final = state;
    if (this.opts.labels && Object.keys(this.opts.labels).length > 0) {
      final = withConfig(state, { ...state.config, config: { ...state.config.config, Labels: { ...(state.config.config?.Labels ?? {}), ...this.opts.labels } } });
    }
    // Base layers are the base image's blobs: held since the base was chosen (holdBlobs), checked here.
    requireBlobs(this.content, sameManifestLayers(final.layers), 'build');
    const stored = this.store(final);
    const image = await this.deps.images.add({ id: final.configDigest, manifest: stored.manifest, manifestMediaType: MediaType.OciManifest, created: final.config.created ?? new Date().toISOString() }, names, this.lease);
    this.emit({ type: 'image', id: image.id, names });
    return { id: image.id, names };
  }
}
