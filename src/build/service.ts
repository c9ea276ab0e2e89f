/**
 * BuildService: what the front ends call for `hull build` and `hull builder prune`. It finds the
 * Containerfile and the ignore file, parses, and hands over to builder.ts (loaded on first use, so
 * other commands never load the builder).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import type { ContentStore } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import type { ImageStore } from '../images/image-store.js';
import type { ImageService } from '../images/image-service.js';
import type { ContainerNetworking } from '../network/service.js';
import type { EventLog } from '../events/event-log.js';
import { parsePlatform } from '../oci/platform.js';
import type { RegistryOptions } from '../registry-client/hosts.js';
import type { BuildCache } from './cache.js';
import type { BuildEventSink } from './events.js';
import type { Containerfile } from './instructions.js';
import type { BuildOptions, BuildResult } from './builder.js';

/** What `hull build` asks for: the builder's options, with the Containerfile not yet read. */
export interface BuildRequest extends Omit<BuildOptions, 'file' | 'filter'> {
  /** The Containerfile: a path (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile), or its text (-f -). */
  file?: string;
  fileText?: string;
  /** How FROM images missing locally are pulled: TLS, auth file, the API's X-Registry-Config. */
  registry?: RegistryOptions;
}

export interface BuildServiceDeps {
  root: string;
  runroot: string;
  content: ContentStore;
  imageStore: ImageStore;
  images: ImageService;
  snapshotter: () => Promise<Snapshotter>;
  runtime: RuntimeOptions;
  network?: ContainerNetworking;
  events: EventLog;
}

/** Finds the Containerfile as docker and podman do. */
export function findContainerfile(contextDir: string, file: string | undefined): string {
  if (file !== undefined) return resolve(file);
  for (const name of ['Containerfile', 'Dockerfile']) if (existsSync(join(contextDir, name))) return join(contextDir, name);
  throw new HullError('NOT_FOUND', `Cannot build "${contextDir}": it has no Containerfile or Dockerfile`, { hint: 'add one, or name the file with -f FILE' });
}

export class BuildService {
  private cachePromise: Promise<BuildCache> | undefined;

  constructor(private readonly deps: BuildServiceDeps) {}

  /** The build cache (loaded on first use: it pulls in the GC code). */
  cache(): Promise<BuildCache> {
    return (this.cachePromise ??= import('./cache.js').then(({ BuildCache }) => new BuildCache(this.deps.root)));
  }

  async build(req: BuildRequest, emit: BuildEventSink): Promise<BuildResult> {
    const contextDir = resolve(req.contextDir);
    if (!statSync(contextDir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new HullError('NOT_FOUND', `Cannot build "${req.contextDir}": the context is not a directory`, { hint: 'give a directory as the build context (often ".")' });
    }
    if (req.platform !== undefined) parsePlatform(req.platform);
    const path = req.fileText !== undefined ? '-' : findContainerfile(contextDir, req.file);
    const text = req.fileText ?? readText(path);
    const snapshotter = await this.deps.snapshotter();
    if (snapshotter.driver === 'copy') {
      throw new HullError('UNSUPPORTED', 'Cannot build: the copy storage driver keeps no separate layer of changes', { hint: 'use the overlay or fuse-overlayfs driver (overlay is the default where the kernel allows it)' });
    }
    const [{ parseContainerfile }, { loadIgnoreFile }, { buildImage }] = await Promise.all([import('./parse.js'), import('./ignore-file.js'), import('./builder.js')]);
    const file = parseContainerfile(text, path === '-' ? '<stdin>' : path);
    const unused = unusedBuildArgs(file, Object.keys(req.buildArgs ?? {}));
    if (unused.length > 0) emit({ type: 'warning', text: `One or more build-args [${unused.join(' ')}] were not consumed` });
    const filter = await loadIgnoreFile(contextDir, path === '-' ? undefined : path);
    const { content } = this.deps;
    const result = await buildImage(
      {
        root: this.deps.root,
        runroot: this.deps.runroot,
        content,
        images: this.deps.imageStore,
        snapshotter,
        runtime: this.deps.runtime,
        ...(this.deps.network && req.network !== 'none' ? { network: this.deps.network } : {}),
        cache: await this.cache(),
        ensureImage: async (ref, o) => {
          const pullOptions = { ...req.registry, ...(o.platform !== undefined ? { platform: parsePlatform(o.platform) } : {}), ...(req.signal ? { signal: req.signal } : {}) };
          const d = await this.deps.images.ensureUnpacked(ref, { pull: o.pull, onPull: o.onPull, pullOptions });
          return { record: d.record, manifest: d.manifest, config: d.config, top: d.top };
        },
        parseTriggers: (triggers) => parseContainerfile(`FROM scratch\n${triggers.join('\n')}\n`, 'ONBUILD trigger').stages[0]?.instructions ?? [],
      },
      {
        contextDir,
        file,
        filter,
        ...pick(req, ['tags', 'buildArgs', 'target', 'noCache', 'pull', 'network', 'labels', 'secrets', 'platform', 'signal']),
      },
      emit,
    );
    this.deps.events.emit('image', 'build', result.id, { name: result.names[0] ?? '' });
    return result;
  }

  /** `hull builder prune`: drops every cache entry and cache mount, then collects what nothing needs. */
  async prune(): Promise<{ entries: number; reclaimed: number }> {
    const entries = await (await this.cache()).prune();
    const gc = await this.deps.images.collectGarbage();
    return { entries, reclaimed: gc.reclaimed };
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new HullError('NOT_FOUND', `Cannot read "${path}": no such file`, { hint: `check the -f path (relative to ${dirname(path) === '.' ? 'the current directory' : 'the current directory, not the context'}: ${basename(path)})` });
    throw err;
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** The proxy args every builder predefines (docker does not warn about them) and the platform ones. */
const PREDEFINED_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
  'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT']);

/** Pure: the --build-arg names no ARG of the file declares (docker warns about them). */
export function unusedBuildArgs(file: Pick<Containerfile, 'globalArgs' | 'stages'>, given: readonly string[]): string[] {
  const declared = new Set<string>();
  for (const i of [...file.globalArgs, ...file.stages.flatMap((s) => s.instructions)]) if (i.kind === 'ARG') for (const a of i.args) declared.add(a.name);
  return given.filter((n) => !declared.has(n) && !PREDEFINED_ARGS.has(n)).sort();
}
