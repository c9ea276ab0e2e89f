/**
 * A pod's `volumes` and its containers' `volumeMounts` as Docker mounts:
 *
 *   hostPath                bind mount (DirectoryOrCreate: created, as Docker's Binds create it)
 *   emptyDir                a hull volume `<pod>-<volume>` shared by the pod's containers, removed
 *                           with the pod; medium Memory: a tmpfs (one container) or, shared, a volume
 *   configMap, secret       a hull volume `<pod>-<volume>` holding the keys as files (items,
 *                           defaultMode, mode), mounted read-only; Secret files 0400 by default,
 *                           owned by the container's user, so nobody else in the pod reads them
 *   persistentVolumeClaim   the hull volume named after the claim; `kube down` keeps it unless --force
 *
 * Files live in the volume (under the store), never elsewhere on the host.
 */
import { posix } from 'node:path';
import type { DockerMount } from '../engine/requests.js';
import type { Fields } from './fields.js';
import { sourceKey, type ConfigSources } from './config-sources.js';
import { LABEL } from './labels.js';
import { memoryToBytes } from './quantity.js';
import type { PlannedVolume, VolumeFile } from './model.js';

export type PodVolume =
  | { type: 'bind'; source: string; create: boolean }
  | { type: 'volume'; name: string; readOnly?: boolean }
  | { type: 'tmpfs'; sizeBytes?: number | undefined };

const HOST_PATH_TYPES = ['', 'Directory', 'DirectoryOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice', 'FileOrCreate'];

function relativeFilePath(f: Fields, key: string, path: string): string {
  const clean = posix.normalize(path);
  if (path === '' || posix.isAbsolute(path) || clean === '..' || clean.startsWith('../') || path.split('/').includes('..')) {
    throw f.fail(key, `${JSON.stringify(path)} must be a relative path without ".."`, 'give a file name such as app.conf or conf/app.conf');
  }
  return clean;
}

function mode(f: Fields, key: string): number | undefined {
  const m = f.int(key);
  if (m !== undefined && (m < 0 || m > 0o777)) throw f.fail(key, 'must be a file mode between 0 and 0777');
  return m;
}

function configFiles(kind: 'ConfigMap' | 'Secret', src: Fields, sources: ConfigSources): VolumeFile[] | undefined {
  const name = src.required(kind === 'ConfigMap' ? 'name' : 'secretName');
  const optional = src.bool('optional') ?? false;
  const defaultMode = mode(src, 'defaultMode') ?? (kind === 'Secret' ? 0o400 : 0o644);
  const items = src.list('items');
  const data = sources.get(sourceKey(kind, name));
  if (!data) {
    if (optional) {
      src.done();
      return [];
    }
    throw src.fail(kind === 'ConfigMap' ? 'name' : 'secretName', `names a ${kind} "${name}" that is in none of the files`, `add the ${kind} to the YAML, or give it with --configmap FILE`);
  }
  const files: VolumeFile[] = [];
  if (items.length === 0) {
    for (const [key, bytes] of data.data) files.push({ path: key, data: bytes, mode: defaultMode });
  }
  for (const item of items) {
    const key = item.required('key');
    const bytes = data.data.get(key);
    if (bytes === undefined) {
      if (!optional && !data.placeholder) throw item.fail('key', `names a key missing from ${kind} "${name}"`);
    } else {
      files.push({ path: relativeFilePath(item, 'path', item.required('path')), data: bytes, mode: mode(item, 'mode') ?? defaultMode });
    }
    item.done();
  }
  src.done();
  return files;
}

/** The pod's volumes by name, and the hull volumes to make for them. */
export function planPodVolumes(spec: Fields, podName: string, sources: ConfigSources, mountCount: ReadonlyMap<string, number>, owner: { uid: number; gid: number } | undefined): { byName: Map<string, PodVolume>; volumes: PlannedVolume[] } {
  const byName = new Map<string, PodVolume>();
  const volumes: PlannedVolume[] = [];
  for (const v of spec.list('volumes')) {
    const name = v.required('name');
    if (byName.has(name)) throw v.fail('name', `repeats the volume name "${name}"`);
    const volumeName = `${podName}-${name}`;
    const hostPath = v.obj('hostPath');
    const emptyDir = v.obj('emptyDir');
    const configMap = v.obj('configMap');
    const secret = v.obj('secret');
    const pvc = v.obj('persistentVolumeClaim');
    if (hostPath) {
      const path = hostPath.required('path');
      if (!posix.isAbsolute(path)) throw hostPath.fail('path', 'must be an absolute path');
      const type = hostPath.str('type') ?? '';
      if (!HOST_PATH_TYPES.includes(type)) throw hostPath.fail('type', `is not a hostPath type (${HOST_PATH_TYPES.filter(Boolean).join(', ')})`);
      if (type === 'FileOrCreate') hostPath.warn('type', 'hull does not create a missing file; the file must exist');
      hostPath.done();
      byName.set(name, { type: 'bind', source: path, create: type === 'DirectoryOrCreate' });
    } else if (emptyDir) {
      const medium = emptyDir.str('medium') ?? '';
      if (medium !== '' && medium !== 'Memory') throw emptyDir.fail('medium', 'must be "" or Memory');
      const limit = emptyDir.scalar('sizeLimit');
      emptyDir.done();
      if (medium === 'Memory' && (mountCount.get(name) ?? 0) <= 1) {
        byName.set(name, { type: 'tmpfs', ...(limit !== undefined ? { sizeBytes: memoryToBytes(limit) } : {}) });
      } else {
        if (medium === 'Memory') v.warn('emptyDir', 'a Memory emptyDir shared by several containers is kept on disk (hull has no shared tmpfs volume)');
        if (limit !== undefined) v.warn('emptyDir', 'sizeLimit is not enforced on disk');
        volumes.push({ name: volumeName, kind: 'emptyDir', labels: { [LABEL.pod]: podName, [LABEL.volume]: 'emptyDir' } });
        byName.set(name, { type: 'volume', name: volumeName });
      }
    } else if (configMap || secret) {
      const kind = configMap ? 'ConfigMap' : 'Secret';
      const files = configFiles(kind, (configMap ?? secret) as Fields, sources);
      volumes.push({
        name: volumeName,
        kind: configMap ? 'configMap' : 'secret',
        labels: { [LABEL.pod]: podName, [LABEL.volume]: configMap ? 'configMap' : 'secret' },
        ...(files ? { files } : {}),
        ...(secret && owner ? { owner } : {}),
      });
      byName.set(name, { type: 'volume', name: volumeName, readOnly: true });
    } else if (pvc) {
      const claim = pvc.required('claimName');
      const readOnly = pvc.bool('readOnly') ?? false;
      pvc.done();
      volumes.push({ name: claim, kind: 'pvc', labels: { [LABEL.volume]: 'pvc' } });
      byName.set(name, { type: 'volume', name: claim, readOnly });
    } else {
      v.warn(undefined, `volume "${name}" has a source hull does not support (hostPath, emptyDir, configMap, secret and persistentVolumeClaim are); mounts of it are left out`);
      v.ignore(...Object.keys(v.value));
    }
    v.done();
  }
  return { byName, volumes };
}

/** A container's volumeMounts as Docker mounts (Binds for hostPaths that may be created). */
export function containerMounts(c: Fields, byName: ReadonlyMap<string, PodVolume>): { mounts: DockerMount[]; binds: string[]; tmpfs: Record<string, string> } {
  const mounts: DockerMount[] = [];
  const binds: string[] = [];
  const tmpfs: Record<string, string> = {};
  for (const m of c.list('volumeMounts')) {
    const name = m.required('name');
    const target = m.required('mountPath');
    if (!posix.isAbsolute(target)) throw m.fail('mountPath', 'must be an absolute path');
    const readOnly = m.bool('readOnly') ?? false;
    m.unsupported('subPath', 'not supported by hull; the whole volume is mounted');
    m.unsupported('subPathExpr', 'not supported by hull; the whole volume is mounted');
    const propagation = m.str('mountPropagation');
    m.done();
    const v = byName.get(name);
    if (!v) {
      throw m.fail('name', `names a volume "${name}" the pod does not declare`, 'add it under spec.volumes');
    }
    if (v.type === 'bind') {
      const prop = propagation === 'Bidirectional' ? 'rshared' : propagation === 'HostToContainer' ? 'rslave' : undefined;
      if (v.create && !prop) binds.push(`${v.source}:${target}${readOnly ? ':ro' : ''}`);
      else mounts.push({ Type: 'bind', Source: v.source, Target: target, ReadOnly: readOnly, ...(prop ? { BindOptions: { Propagation: prop } } : {}) });
    } else if (v.type === 'volume') {
      mounts.push({ Type: 'volume', Source: v.name, Target: target, ReadOnly: readOnly || (v.readOnly ?? false) });
    } else {
      tmpfs[target] = v.sizeBytes ? `size=${v.sizeBytes}` : '';
    }
  }
  return { mounts, binds, tmpfs };
}

/** How many containers mount each volume (a Memory emptyDir used once can be a tmpfs). */
export function countMounts(containers: readonly Fields[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const c of containers) {
    const raw = c.value.volumeMounts;
    if (!Array.isArray(raw)) continue;
    for (const m of raw) {
      const name = (m as { name?: unknown } | null)?.name;
      if (typeof name === 'string') count.set(name, (count.get(name) ?? 0) + 1);
    }
  }
  return count;
}
