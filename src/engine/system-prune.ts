/**
 * `system prune` (and the API's prune calls in one): stopped containers, networks no container
 * uses, dangling images (every unused one with `all`), the build cache, and with `volumes` the
 * anonymous volumes no container uses — in that order, so each step frees what the next may take.
 */
import type { ContainerService } from '../containers/service.js';
import type { NetworkService } from '../network/service.js';
import type { ImageService } from '../images/image-service.js';
import type { VolumeStore } from '../volumes/volume-store.js';
import type { BuildService } from '../build/service.js';
import type { PodService } from '../pods/service.js';

export interface SystemPruneDeps {
  containers: ContainerService;
  networks: NetworkService;
  images: ImageService;
  volumes: VolumeStore;
  builds: BuildService;
  /** Pods with nothing running go first (as podman's system prune), with their containers. */
  pods?: PodService;
}

export interface SystemPruneReport {
  pods: string[];
  containers: string[];
  networks: string[];
  volumes: string[];
  untaggedImages: string[];
  deletedImages: string[];
  buildCacheEntries: number;
  reclaimed: number;
}

export async function systemPrune(d: SystemPruneDeps, opts: { all?: boolean; volumes?: boolean } = {}): Promise<SystemPruneReport> {
  const pods = d.pods ? (await d.pods.prune()).map((p) => p.Id) : [];
  const containers = (await d.containers.prune()).map((r) => r.Id);
  const networks = await d.networks.prune();
  const volumes = opts.volumes ? await d.volumes.prune() : { removed: [], spaceReclaimed: 0 };
  const cache = await d.builds.prune();
  const images = await d.images.prune({ all: opts.all ?? false });
  return {
    pods,
    containers,
    networks,
    volumes: volumes.removed,
    untaggedImages: images.untagged,
    deletedImages: images.deleted,
    buildCacheEntries: cache.entries,
    reclaimed: images.reclaimed + volumes.spaceReclaimed + cache.reclaimed,
  };
}
