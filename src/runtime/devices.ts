/**
 * Host devices in a container: `--device /dev/fuse[:/dev/fuse][:rwm]` and --privileged's whole /dev.
 *
 * A device needs two entries in config.json (runtime-spec config-linux.md#devices and
 * #device-allowlist): `linux.devices` makes runc create the node in the container's /dev, and a
 * `linux.resources.devices` rule lets the devices cgroup allow access to it. Parsing is pure; the
 * type and numbers come from stat(2) at the edge.
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { HullError, errnoCode, errorMessage } from '../errors.js';
import type { RuntimeSpec, SpecDevice, SpecDeviceRule } from '../oci/runtime-spec.js';

export interface DeviceRequest {
  hostPath: string;
  containerPath: string;
  /** Some of r (read), w (write), m (mknod). */
  permissions: string;
}

export interface ResolvedDevice {
  device: SpecDevice;
  rule: SpecDeviceRule;
}

const isMode = (s: string) => /^[rwm]{1,3}$/.test(s) && new Set(s).size === s.length;

/** Pure: docker's --device grammar. `HOST[:CONTAINER][:PERMISSIONS]`; a second field that is a mode is the mode. */
export function parseDeviceFlag(flag: string): DeviceRequest {
  const bad = (why: string) => new HullError('INVALID_ARGUMENT', `Cannot use --device "${flag}": ${why}`, { hint: 'expected HOST_PATH[:CONTAINER_PATH][:PERMISSIONS], e.g. /dev/fuse or /dev/sdc:/dev/xvdc:rw' });
  const parts = flag.split(':');
  const hostPath = parts[0] ?? '';
  let containerPath = '';
  let permissions = 'rwm';
  if (parts.length === 2) {
    if (isMode(parts[1] as string)) permissions = parts[1] as string;
    else containerPath = parts[1] as string;
  } else if (parts.length === 3) {
    containerPath = parts[1] as string;
    permissions = parts[2] as string;
  } else if (parts.length > 3) throw bad('too many ":"-separated fields');
  containerPath ||= hostPath;
  if (!hostPath.startsWith('/')) throw bad('the host path must be absolute');
  if (!containerPath.startsWith('/')) throw bad('the container path must be absolute');
  if (!isMode(permissions)) throw bad(`"${permissions}" is not a permission set: use some of r, w and m`);
  return { hostPath: posix.normalize(hostPath), containerPath: posix.normalize(containerPath), permissions };
}

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor), for rdev as Node reports it. */
export function deviceNumbers(rdev: number): { major: number; minor: number } {
  const high = Math.floor(rdev / 2 ** 32);
  return {
    major: ((rdev >>> 8) & 0xfff) | ((high & ~0xfff) >>> 0),
    minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00),
  };
}

/** Pure: a device request and the stat of its host node -> the spec entries. */
export function deviceFromStat(req: DeviceRequest, st: Pick<Stats, 'rdev' | 'mode' | 'uid' | 'gid'> & { isCharacterDevice(): boolean; isBlockDevice(): boolean }): ResolvedDevice {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (type === undefined) throw new HullError('INVALID_ARGUMENT', `Cannot use --device "${req.hostPath}": it is not a character or block device`);
  const { major, minor } = deviceNumbers(st.rdev);
  return {
    device: { path: req.containerPath, type, major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid },
    rule: { allow: true, type, major, minor, access: req.permissions },
  };
}

function statDevice(path: string, flag: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw new HullError(errnoCode(err) === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT', `Cannot use --device "${flag}": ${errnoCode(err) === 'ENOENT' ? 'no such device on this host' : errorMessage(err)}`);
  }
}

/** The edge: stats the host node (following a symlink such as /dev/disk/by-id/...). */
export function resolveDevice(flag: string | DeviceRequest): ResolvedDevice {
  const req = typeof flag === 'string' ? parseDeviceFlag(flag) : flag;
  return deviceFromStat(req, statDevice(req.hostPath, req.hostPath));
}

/** Like resolveDevice, but a directory (--device /dev/snd) brings every device beneath it, as docker does. */
export function resolveDevices(flag: string | DeviceRequest): ResolvedDevice[] {
  const req = typeof flag === 'string' ? parseDeviceFlag(flag) : flag;
  if (!statDevice(req.hostPath, req.hostPath).isDirectory()) return [resolveDevice(req)];
  return listHostDevices(req.hostPath).map((d) => {
    const containerPath = posix.join(req.containerPath, posix.relative(req.hostPath, d.path));
    return { device: { ...d, path: containerPath }, rule: { allow: true, type: d.type as 'c' | 'b', major: d.major, minor: d.minor, access: req.permissions } };
  });
}

/** Directories under /dev that are not host devices, or that runc sets up itself. */
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);
/** runc creates these for every container (console and ptmx are tied to the container's own pts). */
const SKIP_FILES = new Set(['/dev/console', '/dev/ptmx']);

/** The edge: every character and block device under `dir` (not following symlinks), for --privileged. */
export function listHostDevices(dir = '/dev'): SpecDevice[] {
  const out: SpecDevice[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return; // vanished or unreadable: devices come and go
    }
    for (const name of names.sort()) {
      const path = posix.join(d, name);
      let st: Stats;
      try {
        st = lstatSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(path);
      } else if ((st.isCharacterDevice() || st.isBlockDevice()) && !SKIP_FILES.has(path)) {
        out.push(deviceFromStat({ hostPath: path, containerPath: path, permissions: 'rwm' }, st).device);
      }
    }
  };
  walk(dir);
  return out;
}

/** Pure: adds --device entries to a spec (node in /dev, and an allow rule after the default deny). */
export function applyDevices(spec: RuntimeSpec, devices: readonly ResolvedDevice[]): RuntimeSpec {
  if (devices.length === 0) return spec;
  const paths = new Set(devices.map((d) => d.device.path));
  return {
    ...spec,
    linux: {
      ...spec.linux,
      devices: [...(spec.linux.devices ?? []).filter((d) => !paths.has(d.path)), ...devices.map((d) => d.device)],
      resources: { ...spec.linux.resources, devices: [...(spec.linux.resources?.devices ?? []), ...devices.map((d) => d.rule)] },
    },
  };
}
