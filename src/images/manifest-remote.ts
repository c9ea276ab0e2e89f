/**
 * `hull manifest add LIST docker://REF` (podman's remote add): the manifest REF names — or from an
 * index, this host's one (all of them with --all) — is fetched with its config and layers into the
 * content store (nothing unpacked, no image record), so the list can be pushed later without the
 * source registry. Runs under the manifest command's lease; a failure discards what it added.
 */
import { HullError } from '../errors.js';
import type { BlobWriter } from '../content/store.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { parseImageConfig } from '../oci/image-config.js';
import { parseManifest } from '../oci/manifest.js';
import { hostPlatform, formatPlatform } from '../oci/platform.js';
import { familiarString, parseReference } from '../oci/reference.js';
import { createLimiter, downloadBlob, openRegistryClient, pullScope, type BlobRole, type RegistryOptions } from '../registry-client/index.js';
import { selectFromIndex } from './pull.js';

export const REMOTE_PREFIX = 'docker://';

export interface RemoteAddOptions extends RegistryOptions {
  all?: boolean;
  signal?: AbortSignal;
}

/** The descriptors REF contributes, with every blob they need stored; platforms from the registry's index or the config. */
export async function fetchRemoteForList(content: BlobWriter, reference: string, opts: RemoteAddOptions = {}): Promise<Descriptor[]> {
  const ref = parseReference(reference.startsWith(REMOTE_PREFIX) ? reference.slice(REMOTE_PREFIX.length) : reference);
  const what = `"${familiarString(ref)}"`;
  const client = openRegistryClient({ ...opts, host: ref.domain, repository: ref.path, action: `add ${what} to a manifest list`, ...(opts.signal ? { signal: opts.signal } : {}) });
  const scopes = [pullScope(ref.path)];
  const added: Digest[] = [];
  try {
    const top = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest', scopes);
    const parsed = parseManifest(top.bytes, top.mediaType || undefined, `manifest of ${what}`);
    let wanted: Descriptor[];
    if (parsed.kind === 'manifest') {
      wanted = [{ mediaType: parsed.mediaType, digest: top.digest, size: top.bytes.length }];
    } else if (opts.all) {
      wanted = parsed.index.manifests;
    } else {
      const chosen = selectFromIndex(parsed.index.manifests, hostPlatform());
      if (!chosen) throw new HullError('NOT_FOUND', `Cannot add ${what} to a manifest list: its index has no image for ${formatPlatform(hostPlatform())}`, { hint: 'add all its images with --all' });
      wanted = [chosen];
    }
    const out: Descriptor[] = [];
    const blobs = new Map<Digest, { d: Descriptor; role: BlobRole }>();
    const configs: Array<{ index: number; config: Digest }> = [];
    for (const d of wanted) {
      const got = parsed.kind === 'manifest' ? top : await client.getManifest(ref.path, d.digest, scopes);
      const m = parseManifest(got.bytes, got.mediaType || d.mediaType, `manifest ${d.digest} of ${what}`);
      if (m.kind !== 'manifest') throw new HullError('UNSUPPORTED', `Cannot add ${what} to a manifest list: manifest ${d.digest} is itself an index`);
      if (!content.has(got.digest)) added.push(got.digest);
      content.putBytes(got.bytes, { digest: got.digest });
      blobs.set(m.manifest.config.digest, { d: m.manifest.config, role: 'config' });
      for (const l of m.manifest.layers) if (!blobs.has(l.digest)) blobs.set(l.digest, { d: l, role: 'layer' });
      if (!d.platform) configs.push({ index: out.length, config: m.manifest.config.digest });
      out.push({ ...d, mediaType: m.mediaType, size: got.bytes.length });
    }
    const limit = createLimiter(opts.concurrency ?? 3);
    const results = await Promise.allSettled([...blobs.values()].map(({ d, role }) =>
      limit(() => downloadBlob(d, { client, repository: ref.path, scopes, content, role, onEvent: () => {}, ...(opts.signal ? { signal: opts.signal } : {}) })).then((r) => {
        if (!r.existed) added.push(r.digest);
      })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // A single manifest names no platform: its config does.
    for (const { index, config } of configs) {
      const c = parseImageConfig(content.readBytes(config), `config of ${what}`);
      out[index] = { ...out[index]!, platform: { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) } };
    }
    added.length = 0;
    return out;
  } finally {
    for (const d of added) content.discard(d);
    client.close();
  }
}
