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
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HullError, errorMessage, isHullError } from '../errors.js';
import { chainIds } from '../oci/chain-id.js';
import { encodeJson, parseManifest, type ImageManifest } from '../oci/manifest.js';
import { parseImageConfig, type ImageConfig, type HistoryEntry } from '../oci/image-config.js';
import { MediaType } from '../oci/media-types.js';
import { envKey, mergeEnv } from '../oci/env.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { SpecMount } from '../oci/runtime-spec.js';
import type { Digest } from '../oci/digest.js';
import { randomId } from '../sys/ids.js';
import { DEFAULT_PATH } from '../runtime/defaults.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import type { BlobWriter, ContentStore } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { ImageRecord, ImageStore } from '../images/image-store.js';
import { normaliseName } from '../images/image-store.js';
import { withLease, type Lease } from '../images/lease.js';
import { unpackImage } from '../images/unpack.js';
import type { ContainerNetworking, NetworkAttachment } from '../network/service.js';
import type { ArgInstruction, Containerfile, CopyInstruction, Instruction, RunInstruction, Stage } from './instructions.js';
import { expandHeredoc, expandWord, expandWords, type EscapeChar } from './expand.js';
import { findStage, planStages, stageName, targetStage } from './plan.js';
import { platformArgs } from './platform-args.js';
import { applyMetadata, commandArgv, copyCreatedBy, nopCreatedBy, runCreatedBy, type StageFlags } from './stage-config.js';
import { BuildCache, cacheKey } from './cache.js';
import { claimBuildDir, mountView, reapDeadBuilds, type MountedView } from './views.js';
import { storeViewLayer } from './layer.js';
import { removeMountStubs, runProcess } from './run-step.js';
import { runMounts } from './run-mounts.js';
import { copyInto, hashSources, resolveSources, writeHeredocs, type SourceRoot } from './copy.js';
import { cleanSource, pathExists } from './sources.js';
import { resolveInRoot } from '../sys/safe-path.js';
import { resolveUser } from '../runtime/user.js';
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
  /** Pulls a base image that is missing locally (or every one with --pull). */
  pull: (reference: string, platform: string | undefined) => Promise<ImageRecord>;
  loadImage: (image: ImageRecord) => { manifest: ImageManifest; config: ImageConfig };
  /** Parses an ONBUILD trigger as the instructions of a one-stage file. */
  parseTriggers: (triggers: readonly string[]) => Instruction[];
}

export interface BuildResult {
  id: Digest;
  names: string[];
}

/** An image state between steps. */
interface State {
  config: ImageConfig;
  layers: Descriptor[];
  /** The digest of `config` as encoded: the parent part of the next step's cache key. */
  configDigest: Digest;
  /** Whether config and manifest are in the content store already. */
  stored?: { manifest: Digest };
  flags: StageFlags;
  /** Build args in scope in this stage. */
  args: Map<string, string>;
  /** The stage's variables for expansion: ENV over build args. */
}

/** Where a `RUN <<EOF` script with a #! line is bound during its step (removed from the layer after). */
const HEREDOC_SCRIPT = '/.hull-heredoc-script';

function topChain(config: ImageConfig): Digest | undefined {
  return chainIds(config.rootfs.diff_ids).at(-1);
}

function sameManifestLayers(layers: readonly Descriptor[]): ImageManifest {
  return { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: 'sha256:' as Digest, size: 0 }, layers: [...layers] };
}

export async function buildImage(deps: BuildDeps, opts: BuildOptions, emit: BuildEventSink): Promise<BuildResult> {
  return withLease(deps.root, 'build', { enumerates: false }, (lease) => new Build(deps, lease, opts, emit).run());
}

class Build {
  private readonly id = randomId();
  private readonly dir: string;
  private readonly escape: EscapeChar;
  private readonly globalArgs = new Map<string, string>();
  /** TARGETARCH and the other platform args: set like --build-args, which win over them. */
  private autoArgs = new Map<string, string>();
  private readonly finished = new Map<number, State>();
  private readonly readViews = new Map<string, MountedView>();
  private net: NetworkAttachment | undefined;
  private netAttached = false;
  private step = 0;
  private total = 0;

  /** Every blob and layer of the build is written through its lease. */
  private readonly content: BlobWriter;

  constructor(
    private readonly deps: BuildDeps,
    private readonly lease: Lease,
    private readonly opts: BuildOptions,
    private readonly emit: BuildEventSink,
  ) {
    this.dir = join(deps.runroot, 'build', this.id.slice(0, 16));
    this.escape = opts.file.escape;
    this.content = deps.content.writer(lease);
  }

  private where(instr: { line: number }): string {
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

  private vars(state: State): (name: string) => string | undefined {
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
    let state = await this.baseState(stage);
    this.emit({ type: 'done', step: fromStep, id: state.configDigest });
    const triggers = state.config.config?.OnBuild ?? [];
    // ONBUILD triggers run in the child right after FROM; the child itself inherits none.
    if (state.config.config?.OnBuild) state = this.withConfig(state, { ...state.config, config: { ...state.config.config, OnBuild: null } });
    for (const instr of triggers.length > 0 ? this.deps.parseTriggers(triggers) : []) state = await this.runInstruction(stage, state, instr, this.step);
    for (const instr of stage.instructions) {
      const n = this.startStep(stage, instr.original);
      state = await this.runInstruction(stage, state, instr, n);
    }
    return state;
  }

  private withConfig(state: State, config: ImageConfig): State {
    const { stored: _stored, ...rest } = state;
    return { ...rest, config, configDigest: encodeJson(config).digest };
  }

  private async baseState(stage: Stage): Promise<State> {
    const g = (raw: string) => expandWord(raw, (n) => this.globalArgs.get(n), this.escape);
    const ref = g(stage.from.image);
    const platform = stage.from.platform !== undefined ? g(stage.from.platform) : this.opts.platform;
    const fresh = { flags: { cmdSet: false }, args: new Map<string, string>() };
    const earlier = findStage(this.opts.file, ref, stage.index);
    if (earlier) {
      const s = this.finished.get(earlier.index);
      if (!s) throw new HullError('INTERNAL', `Cannot build stage "${stageName(stage)}": stage "${ref}" was not built`);
      return { ...s, ...fresh, config: { ...s.config, config: { ...s.config.config } } };
    }
    if (ref === 'scratch') {
      const config: ImageConfig = { architecture: archOf(platform), os: 'linux', config: { Env: [`PATH=${DEFAULT_PATH}`] }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
      return { ...fresh, config, layers: [], configDigest: encodeJson(config).digest };
    }
    let image = this.opts.pull ? undefined : this.deps.images.find(ref);
    if (!image) {
      this.emit({ type: 'pull', image: ref });
      image = await this.deps.pull(ref, platform);
    }
    const { manifest, config } = this.deps.loadImage(image);
    const top = topChain(config);
    if (top !== undefined && !this.deps.snapshotter.hasLayer(top)) await unpackImage(this.content, this.deps.snapshotter, this.lease, manifest, config);
    const base: State = { ...fresh, config, layers: manifest.layers, configDigest: image.id, stored: { manifest: image.manifest } };
    // As BuildKit and buildah do: an image without PATH gets the default one.
    if (!(config.config?.Env ?? []).some((e) => envKey(e) === 'PATH')) {
      return this.withConfig(base, { ...config, config: { ...config.config, Env: mergeEnv([`PATH=${DEFAULT_PATH}`], config.config?.Env ?? []) } });
    }
    return base;
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
        return this.cachedStep(step, { ...state, args }, `ARG ${JSON.stringify([...args])}`, '', async () => this.metaState({ ...state, args }, nopCreatedBy(`ARG ${names}`), state.config.config ?? {}));
      }
      case 'RUN':
        return this.runStep(stage, state, instr, step);
      case 'COPY':
      case 'ADD':
        return this.copyStep(stage, state, instr, step);
      default: {
        const applied = applyMetadata(state.config.config ?? {}, state.flags, instr, x, this.where(instr));
        const next = { ...state, flags: applied.flags };
        const key = JSON.stringify([instr.kind, applied.config, applied.author ?? null]);
        return this.cachedStep(step, next, key, '', async () => this.metaState(next, nopCreatedBy(instr.original), applied.config, applied.author));
      }
    }
  }

  /** A config-only state: new container defaults and an empty_layer history entry. */
  private metaState(state: State, createdBy: string, defaults: ImageConfig['config'] & object, author?: string): State {
    const created = new Date().toISOString();
    const history: HistoryEntry = { created, created_by: createdBy, empty_layer: true };
    return this.withConfig(state, { ...state.config, created, ...(author !== undefined ? { author } : {}), config: defaults, history: [...(state.config.history ?? []), history] });
  }

  /**
   * Looks the step up in the cache (unless --no-cache); on a miss computes it, stores config and
   * manifest, and records the entry. The state keeps the flags and args of `state`.
   */
  private async cachedStep(step: number, state: State, instruction: string, content: string, compute: () => Promise<State>): Promise<State> {
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
  private async layerState(state: State, createdBy: string, what: string, work: (view: MountedView) => Promise<string[]>): Promise<State> {
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
      return { ...this.withConfig(state, config), layers: [...state.layers, layer.descriptor] };
    } finally {
      await view.remove();
    }
  }

  private async runStep(stage: Stage, state: State, instr: RunInstruction, step: number): Promise<State> {
    const defaults = state.config.config ?? {};
    const argv = commandArgv(instr.command, defaults.Shell);
    const expand = (raw: string) => expandWord(raw, this.vars(state), this.escape);
    const workdir = defaults.WorkingDir || '/';
    const mountKey = JSON.stringify(instr.mounts.map((m) => ({ ...m, ...('target' in m && m.target !== undefined ? { target: expand(m.target) } : {}) })));
    const key = JSON.stringify(['RUN', argv, [...state.args], mountKey, instr.network ?? null, instr.security ?? null]);
    return this.cachedStep(step, state, key, await this.bindContent(instr, stage, expand), () =>
      this.layerState(state, runCreatedBy(instr.original, state.args), `the layer of ${this.where(instr)}`, async (view) => {
        const stepDir = join(this.dir, `step-${step}-${view.id.slice(0, 8)}`);
        mkdirSync(stepDir, { recursive: true, mode: 0o700 });
        try {
          const mounts = await runMounts(instr.mounts, expand, {
            contextDir: this.opts.contextDir,
            fromRoot: (ref) => this.fromRoot(ref, stage),
            cacheDir: (id) => this.deps.cache.mountDir(id),
            secrets: this.opts.secrets ?? {},
            privateDir: stepDir,
            workdir,
          }, this.where(instr));
          const command = this.runArgv(instr, defaults.Shell, stepDir);
          const { code, stubs } = await runProcess(this.deps.runtime, {
            id: `${this.id.slice(0, 32)}-${step}`,
            hostname: this.id.slice(0, 12),
            rootfs: view.rootfs,
            bundleDir: stepDir,
            args: command.argv,
            imageEnv: defaults.Env ?? [],
            buildArgs: state.args,
            cwd: workdir,
            user: defaults.User,
            net: await this.network(instr.network),
            mounts: [...mounts, ...command.mounts],
            onOutput: (stream, data) => this.emit({ type: 'output', step, stream, data }),
            ...(this.opts.signal ? { signal: this.opts.signal } : {}),
          });
          if (code !== 0 && this.opts.signal?.aborted) throw cancelled(`at STEP ${step} "${instr.original}" (${this.where(instr)})`);
          if (code !== 0) {
            throw new HullError('RUNTIME_FAILED', `Cannot build at STEP ${step} "${instr.original}" (${this.where(instr)}): exit status ${code}`, {
              hint: 'the command failed inside the build; its output is above. Fix the command or the files it needs, then build again (steps before it come from the cache)',
            });
          }
          return stubs;
        } finally {
          rmSync(stepDir, { recursive: true, force: true });
        }
      }),
    );
  }

  /**
   * What the bind mounts of a RUN step show it, for the step's cache key (BuildKit keys on it too):
   * the content of a context path (names, modes, owners, contents, as COPY hashes them), or the
   * state of the stage or the ID of the image named by from=. Secret and cache mounts stay out.
   */
  private async bindContent(instr: RunInstruction, stage: Stage, expand: (raw: string) => string): Promise<string> {
    const parts: string[] = [];
    for (const m of instr.mounts) {
      if (m.type !== 'bind') continue;
      if (m.from !== undefined) {
        parts.push(`from:${await this.fromIdentity(expand(m.from), stage)}`);
        continue;
      }
      const source = expand(m.source ?? '/');
      const root: SourceRoot = { dir: this.opts.contextDir, name: 'the build context', excluded: () => false, skipDir: () => false, keepOwners: true };
      const rel = cleanSource(source).join('/');
      const host = resolveInRoot(root.dir, rel);
      // A missing source fails the step (runMounts), so it is never recorded under this key.
      parts.push(pathExists(host) ? hashSources(root, [{ source, rel, host, isDir: statSync(host).isDirectory() }], {}) : 'missing');
    }
    return parts.length === 0 ? '' : JSON.stringify(parts);
  }

  /** What an earlier stage ended in, or an image's ID (pulled when missing): the part of a cache key that from= names. */
  private async fromIdentity(ref: string, stage: Stage): Promise<string> {
    const earlier = findStage(this.opts.file, ref, stage.index);
    if (earlier) return this.finished.get(earlier.index)?.configDigest ?? '';
    let image = this.deps.images.find(ref);
    if (!image) {
      this.emit({ type: 'pull', image: ref });
      image = await this.deps.pull(ref, this.opts.platform);
    }
    return image.id;
  }

  /**
   * The RUN command: exec form as written, shell form through SHELL (the parser already put
   * here-documents back into the script). A lone `RUN <<EOF` whose body starts with `#!` is a
   * script file for that interpreter: it is bound into the step and executed, as BuildKit does.
   */
  private runArgv(instr: RunInstruction, shell: string[] | undefined, stepDir: string): { argv: string[]; mounts: SpecMount[] } {
    const only = instr.heredocs.length === 1 ? instr.heredocs[0] : undefined;
    if (instr.command.form === 'shell' && only && instr.command.script === only.content && only.content.startsWith('#!')) {
      const file = join(stepDir, 'heredoc-script');
      writeFileSync(file, only.content, { mode: 0o755 });
      return { argv: [HEREDOC_SCRIPT], mounts: [{ destination: HEREDOC_SCRIPT, type: 'bind', source: file, options: ['rbind', 'ro', 'nosuid', 'nodev'] }] };
    }
    return { argv: commandArgv(instr.command, shell), mounts: [] };
  }

  /** The network of RUN steps, attached once per build on first use and detached at the end. */
  private async network(perStep: RunInstruction['network']): Promise<NetworkAttachment> {
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

  /** The filesystem of an earlier stage or an image, for COPY --from and RUN --mount=from=. */
  private async fromRoot(ref: string, stage: Stage): Promise<string> {
    const open = this.readViews.get(ref);
    if (open) return open.rootfs;
    const earlier = findStage(this.opts.file, ref, stage.index);
    let top: Digest | undefined;
    if (earlier) {
      const s = this.finished.get(earlier.index);
      if (!s) throw new HullError('INTERNAL', `Cannot use stage "${ref}": it was not built`);
      top = topChain(s.config);
    } else {
      let image = this.deps.images.find(ref);
      if (!image) {
        this.emit({ type: 'pull', image: ref });
        image = await this.deps.pull(ref, this.opts.platform);
      }
      const { manifest, config } = this.deps.loadImage(image);
      top = topChain(config);
      if (top !== undefined && !this.deps.snapshotter.hasLayer(top)) await unpackImage(this.content, this.deps.snapshotter, this.lease, manifest, config);
    }
    const view = await mountView(this.deps.snapshotter, this.dir, top);
    this.readViews.set(ref, view);
    return view.rootfs;
  }

  private async copyStep(stage: Stage, state: State, instr: CopyInstruction, step: number): Promise<State> {
    const where = this.where(instr);
    const expand = (raw: string) => expandWord(raw, this.vars(state), this.escape);
    const defaults = state.config.config ?? {};
    if (instr.kind === 'ADD' && instr.sources.some((s) => /^[a-z]+:\/\//i.test(expand(s)))) {
      throw new HullError('UNSUPPORTED', `Cannot ADD a URL at ${where}: remote sources are not supported yet`, { hint: 'download the file into the build context and ADD or COPY it from there' });
    }
    const sources = instr.sources.map(expand);
    const rawDest = expand(instr.dest);
    const dest = rawDest.startsWith('/') ? rawDest : `${(defaults.WorkingDir || '/').replace(/\/$/, '')}/${rawDest}`;
    const root: SourceRoot = instr.from !== undefined
      ? { dir: await this.fromRoot(instr.from, stage), name: `"${instr.from}"`, excluded: () => false, skipDir: () => true, keepOwners: true }
      : { dir: this.opts.contextDir, name: 'the build context', excluded: (rel) => this.opts.filter.excluded(rel), skipDir: (rel) => this.opts.filter.skipDir(rel), keepOwners: false };
    const mode = instr.chmod !== undefined ? parseChmod(expand(instr.chmod), where) : undefined;
    const chown = instr.chown !== undefined ? expand(instr.chown) : undefined;
    const heredocs = instr.heredocs.map((h) => ({ name: h.name, content: h.expand ? expandHeredoc(h.content, this.vars(state)) : h.content }));
    const items = resolveSources(root, sources.filter((s) => !instr.heredocs.some((h) => s === `<<${h.name}` || s === `<<-${h.name}`)));
    // The owner needs the destination's /etc/passwd: resolved in the parent's view below; numeric ids now.
    const numericOwner = chown !== undefined && /^\d+(:\d+)?$/.test(chown) ? parseNumericOwner(chown) : undefined;
    const contentHash = hashSources(root, items, { ...(numericOwner ? { owner: numericOwner } : {}), ...(mode !== undefined ? { mode } : {}) }) + JSON.stringify(heredocs);
    const summary = items.length === 1 && heredocs.length === 0 ? `${items[0]?.isDir ? 'dir' : 'file'}:${contentHash.slice(0, 64)}` : `multi:${contentHash.slice(0, 64)}`;
    const key = JSON.stringify([instr.kind, sources, dest, chown ?? null, mode ?? null, instr.from ?? null]);
    return this.cachedStep(step, state, key, contentHash, () =>
      this.layerState(state, copyCreatedBy(instr.kind, summary, rawDest), `the layer of ${where}`, async (view) => {
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

  /** The target's last state, with --label, stored and recorded under its names. */
  private async record(state: State): Promise<BuildResult> {
    const names = (this.opts.tags ?? []).map(normaliseName);
    let final = state;
    if (this.opts.labels && Object.keys(this.opts.labels).length > 0) {
      final = this.withConfig(state, { ...state.config, config: { ...state.config.config, Labels: { ...(state.config.config?.Labels ?? {}), ...this.opts.labels } } });
    }
    const stored = this.store(final);
    const image = await this.deps.images.add({ id: final.configDigest, manifest: stored.manifest, manifestMediaType: MediaType.OciManifest, created: final.config.created ?? new Date().toISOString() }, names, this.lease);
    this.emit({ type: 'image', id: image.id, names });
    return { id: image.id, names };
  }
}

/** SIGINT or SIGTERM stopped the build (the CLI aborts its signal); INTERNAL, as a cancelled pull. */
function cancelled(where: string): HullError {
  return new HullError('INTERNAL', `Cannot build ${where}: cancelled`, { hint: 'the steps that finished are in the build cache: build again to go on from there' });
}

function archOf(platform: string | undefined): string {
  if (platform) return platform.split('/')[1] ?? 'amd64';
  return process.arch === 'x64' ? 'amd64' : process.arch;
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
