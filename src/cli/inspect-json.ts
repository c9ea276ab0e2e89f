/** Docker-shaped JSON for `inspect`: what docker users and their scripts expect to find. */
import type { ContainerRecord } from '../containers/record.js';
import type { ImageDetails } from '../images/image-service.js';
import { displayName } from '../images/image-store.js';
import { networkSettingsJson } from '../network/inspect.js';
import { readSandbox } from '../network/sandbox.js';

export function containerJson(r: ContainerRecord, runroot: string): unknown {
  return {
    Id: r.Id,
    Created: r.Created,
    Path: r.Path,
    Args: r.Args,
    State: { ...r.State, Running: r.State.Status === 'running', Paused: r.State.Status === 'paused', Restarting: r.State.Status === 'restarting', Dead: r.State.Status === 'dead' },
    Image: r.ImageId,
    ResolvConfPath: `${runroot}/containers/${r.Id}/resolv.conf`,
    HostnamePath: `${runroot}/containers/${r.Id}/hostname`,
    HostsPath: `${runroot}/containers/${r.Id}/hosts`,
    Name: `/${r.Name}`,
    Driver: r.Driver,
    HostConfig: r.HostConfig,
    Mounts: r.Mounts ?? [],
    Config: r.Config,
    NetworkSettings: networkSettingsJson(r, readSandbox(runroot, r.Id)),
  };
}

export function imageJson(d: ImageDetails): unknown {
  const c = d.config;
  return {
    Id: d.record.id,
    RepoTags: d.record.names.map(displayName),
    RepoDigests: d.record.names.map((n) => `${n.slice(0, n.lastIndexOf(':'))}@${d.record.manifest}`),
    Created: c.created ?? d.record.created,
    Author: c.author ?? '',
    Config: c.config ?? {},
    Architecture: c.architecture,
    Os: c.os,
    ...(c.variant ? { Variant: c.variant } : {}),
    Size: d.size,
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: d.record.created },
    Manifest: { Digest: d.record.manifest, MediaType: d.record.manifestMediaType },
    History: c.history ?? [],
  };
}
