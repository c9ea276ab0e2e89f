/**
 * The CRI ImageService over the engine's images: ListImages, ImageStatus, PullImage (with the
 * auth kubelet passes, and registries.conf mirrors), RemoveImage, ImageFsInfo.
 * CRI semantics that differ from `hull rmi`: ImageStatus of a missing image is an empty answer,
 * not an error; RemoveImage of a missing image succeeds (kubelet retries it).
 */
import { statfsSync } from 'node:fs';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { HullError, errorMessage, isHullError, showUntrusted } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { formatReference, parseReference } from '../engine/flags.js';
import type { ImageDetails } from '../images/image-service.js';
import type { ImageRecord } from '../images/image-store.js';
import type { RegistryOptions } from '../registry-client/hosts.js';
import { planPullSources, type RegistriesConf } from './registries-conf.js';
import { notImplemented, unary } from './rpc.js';
import type { AuthConfig, CriImage, ImageSpec } from './messages.js';

export interface ImageServiceDeps {
  engine: Engine;
  /** Transport options for pulls (auth file, cert dirs, environment). */
  registry: RegistryOptions;
  /** registries.conf, read for each pull so an edit applies without a restart. */
  registriesConf: () => RegistriesConf;
}

/** The image a CRI ImageSpec names, or undefined: by ID (full or sha256:-less), name or digest. */
export function findImage(engine: Engine, spec: ImageSpec | null | undefined): ImageRecord | undefined {
  const ref = spec?.image ?? '';
  if (ref === '') throw new HullError('INVALID_ARGUMENT', 'Cannot find an image: the image spec is empty', { hint: 'give image.image: a reference or an image ID' });
  try {
    return engine.images.get(ref);
  } catch (err) {
    if (isHullError(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}

function imageUser(d: ImageDetails): { uid?: { value: string }; username: string } {
  const user = (d.config.config?.User ?? '').split(':')[0] ?? '';
  if (/^\d+$/.test(user)) return { uid: { value: user }, username: '' };
  return { username: user };
}

export function criImage(d: ImageDetails): CriImage {
  return {
    id: d.record.id,
    repo_tags: d.record.names,
    repo_digests: d.record.digests ?? [],
    size: String(d.size),
    ...imageUser(d),
    spec: { image: d.record.id, annotations: {} },
    // The pods' infra image (pods/infra-image.ts) is pinned, as containerd pins its pause image:
    // kubelet's image GC leaves it alone.
    pinned: d.record.names.some((n) => n.startsWith('localhost/hull-infra:')),
  };
}

/** AuthConfig -> the registry client's credentials: username/password, or `auth` (base64 user:pass). */
export function credentialsOf(auth: AuthConfig | null | undefined, image: string): { username: string; password: string } | undefined {
  if (!auth) return undefined;
  if (auth.username) return { username: auth.username, password: auth.password ?? '' };
  if (auth.auth) {
    const plain = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon <= 0) throw new HullError('INVALID_ARGUMENT', `Cannot pull "${showUntrusted(image)}": auth.auth is not base64 of USER:PASSWORD`);
    return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
  }
  if (auth.identity_token || auth.registry_token) {
    throw new HullError('UNSUPPORTED', `Cannot pull "${showUntrusted(image)}": identity and registry tokens are not supported`, { hint: 'pass a username and password (or auth) instead' });
  }
  return undefined;
}

/** Pulls `image` from the first source that has it (mirrors first), stored under its own name. */
export async function pullImage(deps: ImageServiceDeps, image: string, auth: AuthConfig | null | undefined): Promise<ImageRecord> {
  const ref = parseReference(image);
  const name = `${ref.domain}/${ref.path}`;
  const canonical = formatReference(ref);
  const suffix = ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`;
  const credentials = credentialsOf(auth, image);
  const mirrorFailures: string[] = [];
  for (const source of planPullSources(deps.registriesConf(), name, suffix)) {
    const opts: RegistryOptions = { ...deps.registry, insecureRegistries: [...(deps.registry.insecureRegistries ?? []), ...(source.insecure ? [source.host] : [])] };
    // kubelet's credentials go to the mirrors too, as CRI-O sends them (one system context per pull).
    if (credentials) opts.credentials = credentials;
    try {
      const hadName = deps.engine.images.list().some((r) => r.names.includes(formatReference(parseReference(source.reference))));
      const { record } = await deps.engine.images.pull(source.reference, opts);
      if (source.reference === canonical || ref.digest) return record;
      await deps.engine.images.tag(record.id, canonical);
      if (!hadName) await deps.engine.images.remove(source.reference);
      return deps.engine.images.get(canonical);
    } catch (err) {
      // An unreachable or refusing mirror falls through to the next source, as CRI-O does.
      if (source.mirror) {
        mirrorFailures.push(`${source.reference}: ${errorMessage(err)}`);
        continue;
      }
      if (mirrorFailures.length === 0 || !(err instanceof HullError)) throw err;
      throw new HullError(err.code, err.message, { hint: `the mirrors failed too: ${mirrorFailures.map(showUntrusted).join('; ')}`, cause: err });
    }
  }
  throw new HullError('INTERNAL', `Cannot pull "${showUntrusted(image)}": no source to pull from`);
}

async function removeImage(engine: Engine, spec: ImageSpec | null | undefined): Promise<object> {
  const record = findImage(engine, spec);
  if (!record) return {};
  const users = engine.containers.list(true).filter((c) => c.ImageId === record.id);
  if (users.length > 0) {
    throw new HullError('CONFLICT', `Cannot remove image "${showUntrusted(spec?.image ?? '')}": it is used by ${users.length} container(s)`, { hint: 'remove the containers first' });
  }
  await engine.images.remove(record.id, { force: true });
  return {};
}

function fsUsage(mountpoint: string, used: number): object {
  const s = statfsSync(mountpoint);
  return {
    timestamp: String(BigInt(Date.now()) * 1_000_000n),
    fs_id: { mountpoint },
    used_bytes: { value: String(used) },
    inodes_used: { value: String(Math.max(0, s.files - s.ffree)) },
  };
}

export function imageServiceHandlers(deps: ImageServiceDeps): UntypedServiceImplementation {
  const { engine } = deps;
  return {
    ListImages: unary(({ filter }: { filter?: { image?: ImageSpec | null } | null }) => {
      let records = engine.images.list();
      if (filter?.image?.image) {
        const one = findImage(engine, filter.image);
        records = one ? [one] : [];
      }
      return { images: records.map((r) => criImage(engine.images.details(r))) };
    }),
    ImageStatus: unary(({ image, verbose }: { image?: ImageSpec | null; verbose?: boolean }) => {
      const record = findImage(engine, image);
      if (!record) return { image: null, info: {} };
      const d = engine.images.details(record);
      return { image: criImage(d), info: verbose ? { info: JSON.stringify({ imageSpec: d.config, manifest: d.record.manifest }) } : {} };
    }),
    PullImage: unary(async ({ image, auth }: { image?: ImageSpec | null; auth?: AuthConfig | null }) => {
      if (!image?.image) throw new HullError('INVALID_ARGUMENT', 'Cannot pull an image: the image spec is empty', { hint: 'give image.image: a reference such as registry.k8s.io/pause:3.9' });
      const record = await pullImage(deps, image.image, auth);
      return { image_ref: record.id };
    }),
    RemoveImage: unary(({ image }: { image?: ImageSpec | null }) => removeImage(engine, image)),
    ImageFsInfo: unary(async () => {
      const rows = await engine.diskUsage();
      const size = (type: string) => rows.find((r) => r.Type === type)?.Size ?? 0;
      return { image_filesystems: [fsUsage(engine.options.root, size('Images'))], container_filesystems: [fsUsage(engine.options.root, size('Containers'))] };
    }),
    StreamImages: notImplemented('stream images', 'use ListImages'),
  };
}
