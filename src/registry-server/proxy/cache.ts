/**
 * Pull-through cache (`proxy:` in the config, as distribution and Harbor offer it). Before a
 * manifest or blob GET/HEAD is served from storage, ensure* makes sure storage has it:
 *
 *   manifest by tag     served locally while the cached tag is younger than `ttl`; else asked
 *                       upstream and stored (bytes verified against the digest the upstream
 *                       names); when the upstream is unreachable a cached tag is served stale
 *   manifest by digest  immutable: local when present, else fetched once and verified
 *   blob                local when linked, else streamed from upstream into an upload session
 *                       and committed only when its digest verifies (never held in memory)
 *
 * Missing content while the upstream is down is UNAVAILABLE (503) naming the upstream. Writes are
 * refused by the dispatcher in proxy mode. Concurrent misses of one object share one fetch.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HullError, isHullError } from '../../errors.js';
import { sha256, type Digest } from '../../oci/digest.js';
import { MANIFEST_MEDIA_TYPES } from '../manifest-rules.js';
import { isDigest } from '../../oci/digest.js';
import type { Route } from '../http/router.js';
import { parseManifestRef, type ManifestRef } from '../names.js';
import type { Registry } from '../registry.js';
import { Upstream, type UpstreamOptions } from './upstream.js';

export interface ProxyConfig extends UpstreamOptions {
  /** How long a cached tag is served before the upstream is asked again. */
  ttlMs: number;
}

export class PullThroughCache {
  readonly upstream: Upstream;
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: Registry,
    private readonly config: ProxyConfig,
  ) {
    this.upstream = new Upstream(config);
  }

  private once(key: string, work: () => Promise<void>): Promise<void> {
    let p = this.inflight.get(key);
    if (!p) {
      p = work().finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /**
   * Called for every authorized request in proxy mode before its handler: refuses writes, and
   * fetches what a manifest or blob read needs. Malformed references are left to the handler.
   */
  async prepare(route: Route, method: string): Promise<void> {
    if (route.name === undefined) return;
    if (method !== 'GET' && method !== 'HEAD') {
      throw new HullError('METHOD_NOT_ALLOWED', `Cannot ${method === 'DELETE' ? 'delete in' : 'push to'} "${route.name}": this registry is a read-only pull-through cache of ${this.upstream.base.origin}`, {
        hint: `push to ${this.upstream.base.origin} instead; the cache fetches new content on the next pull`,
      });
    }
    if (route.kind === 'manifest') {
      let ref: ManifestRef;
      try {
        ref = parseManifestRef(route.ref!);
      } catch {
        return;
      }
      await this.ensureManifest(route.name, ref);
    } else if (route.kind === 'blob' && isDigest(route.ref!)) {
      await this.ensureBlob(route.name, route.ref);
    }
  }

  async ensureManifest(repo: string, ref: ManifestRef, now = Date.now()): Promise<void> {
    const manifests = this.registry.manifests;
    if (ref.kind === 'digest') {
      if ((await manifests.revisionType(repo, ref.digest)) !== undefined) return;
      return this.once(`m ${repo} ${ref.digest}`, () => this.fetchManifest(repo, ref));
    }
    const cachedAt = await manifests.tagTime(repo, ref.tag);
    if (cachedAt !== undefined && now - cachedAt.getTime() < this.config.ttlMs) return;
    try {
      await this.once(`m ${repo} ${ref.tag}`, () => this.fetchManifest(repo, ref));
    } catch (err) {
      // Upstream down: a cached tag is better than nothing (it may be stale, never corrupt).
      if (cachedAt !== undefined && isHullError(err, 'UNAVAILABLE')) return;
      throw err;
    }
  }

  private async fetchManifest(repo: string, ref: ManifestRef): Promise<void> {
    const name = ref.kind === 'tag' ? ref.tag : ref.digest;
    const res = await this.upstream.fetch('GET', `${repo}/manifests/${name}`, repo, { Accept: MANIFEST_MEDIA_TYPES.join(', ') });
    if (res.status === 404) {
      await res.body?.cancel();
      // The upstream no longer has the tag: stop serving our copy of it.
      if (ref.kind === 'tag') await this.registry.manifests.delete(repo, ref).catch(() => undefined);
      throw new HullError('MANIFEST_UNKNOWN', `Cannot find manifest "${name}" in repository "${repo}": the upstream does not have it`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new HullError('UNAVAILABLE', `Cannot fetch manifest "${name}" of "${repo}" from upstream "${this.upstream.base.origin}": it answered HTTP ${res.status}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256(bytes);
    const claimed = ref.kind === 'digest' ? ref.digest : res.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) {
      throw new HullError('UNAVAILABLE', `Cannot cache manifest "${name}" of "${repo}": the upstream sent content with digest ${digest}, not ${claimed}`);
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    await this.registry.manifests.putCached(repo, ref.kind === 'tag' ? ref.tag : undefined, digest, bytes, mediaType);
  }

  async ensureBlob(repo: string, digest: Digest): Promise<void> {
    if ((await this.registry.blobs.stat(repo, digest)) !== undefined) return;
    await this.once(`b ${repo} ${digest}`, async () => {
      const res = await this.upstream.fetch('GET', `${repo}/blobs/${digest}`, repo);
      if (res.status === 404) {
        await res.body?.cancel();
        throw new HullError('BLOB_UNKNOWN', `Cannot find blob ${digest} in repository "${repo}": the upstream does not have it`);
      }
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        throw new HullError('UNAVAILABLE', `Cannot fetch blob ${digest} of "${repo}" from upstream "${this.upstream.base.origin}": it answered HTTP ${res.status}`);
      }
      const uploads = this.registry.uploads;
      const id = await uploads.create(repo);
      try {
        await uploads.finish(repo, id, digest, Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
      } catch (err) {
        await uploads.cancel(repo, id).catch(() => undefined);
        if (isHullError(err, 'INVALID_DIGEST')) throw new HullError('UNAVAILABLE', `Cannot cache blob ${digest} of "${repo}": ${err.message}`);
        throw err;
      }
    });
  }
}
