/**
 * The three ways to ask for a mount on run/create, parsed into one MountRequest type (pure):
 *
 *   -v, --volume  [SOURCE:]TARGET[:OPTIONS]         SOURCE absolute = bind (created if missing),
 *                                                   a name = named volume, none = anonymous volume
 *   --mount       type=bind|volume|tmpfs,source=..,target=..,readonly,...   (bind sources must exist)
 *   --tmpfs       TARGET[:OPTIONS]                  mount(8) tmpfs options, e.g. /run:rw,size=64m
 *
 * Grammar and messages follow docker (cli/opts/mount.go, volume/mounts/linux_parser.go).
 */
import { posix } from 'node:path';
import { HullError } from '../errors.js';
import { parseSize } from '../runtime/resources.js';
import { checkVolumeName } from './volume-store.js';

export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';
const PROPAGATIONS = new Set<string>(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

export interface BindRequest {
  type: 'bind';
  source: string;
  target: string;
  readonly: boolean;
  propagation?: Propagation;
  /** -v creates a missing host directory; --mount refuses it (docker). */
  createSource: boolean;
  /** false = "bind" instead of "rbind" (--mount bind-nonrecursive). */
  recursive: boolean;
  /** The options as written with -v (docker's inspect "Mode"); "" for --mount. */
  mode: string;
}

export interface VolumeRequest {
  type: 'volume';
  /** undefined = a new anonymous volume. */
  name?: string;
  target: string;
  readonly: boolean;
  /** Do not copy the image's content at TARGET into a new, empty volume. */
  noCopy: boolean;
  labels?: Record<string, string>;
  mode: string;
}

export interface TmpfsRequest {
  type: 'tmpfs';
  target: string;
  /** mount(8) options, defaults first: later ones win (exec after noexec). */
  options: string[];
  size?: number;
  mode?: number;
}

export type MountRequest = BindRequest | VolumeRequest | TmpfsRequest;

const VOLUME_MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'consistent', 'cached', 'delegated', ...PROPAGATIONS]);

const cleanPath = (p: string) => posix.normalize(p).replace(/(.)\/$/, '$1');

function checkTarget(target: string, flag: string, raw: string): string {
  const bad = (why: string) => new HullError('INVALID_ARGUMENT', `Cannot use ${flag} "${raw}": ${why}`);
  if (target === '') throw bad('the target (path in the container) is missing');
  if (!target.startsWith('/')) throw bad(`the target "${target}" must be an absolute path`);
  const normal = cleanPath(target);
  if (normal === '/') throw bad('the target cannot be "/"');
  return normal;
}

const isModeList = (s: string) => s !== '' && s.split(',').every((m) => VOLUME_MODES.has(m));

/** Pure: docker's -v grammar. */
export function parseVolumeFlag(flag: string): MountRequest {
  const bad = (why: string, hint?: string) => new HullError('INVALID_ARGUMENT', `Cannot use -v "${flag}": ${why}`, { hint: hint ?? 'expected [SOURCE:]TARGET[:OPTIONS], e.g. /host/dir:/data:ro or myvolume:/data' });
  const parts = flag.split(':');
  let source: string | undefined;
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0] as string;
  else if (parts.length === 2) {
    if (isModeList(parts[1] as string)) [target, mode] = parts as [string, string];
    else [source, target] = parts as [string, string];
  } else if (parts.length === 3) [source, target, mode] = parts as [string, string, string];
  else throw bad('too many ":"-separated fields');
  target = checkTarget(target, '-v', flag);
  const modes = mode === '' ? [] : mode.split(',');
  for (const m of modes) if (!VOLUME_MODES.has(m)) throw bad(`unknown option "${m}"`, 'options: ro, rw, z, Z, nocopy, [r]shared, [r]slave, [r]private');
  const access = modes.filter((m) => m === 'ro' || m === 'rw');
  const propagation = modes.filter((m) => PROPAGATIONS.has(m));
  if (access.length > 1) throw bad('give at most one of ro and rw');
  if (propagation.length > 1) throw bad('give at most one propagation mode');
  const readonly = access[0] === 'ro';
  if (source === '') throw bad('the source is empty');
  if (source !== undefined && source.startsWith('/')) {
    if (modes.includes('nocopy')) throw bad('nocopy applies to volumes, not host directories');
    return { type: 'bind', source: cleanPath(source), target, readonly, ...(propagation[0] ? { propagation: propagation[0] as Propagation } : {}), createSource: true, recursive: true, mode };
  }
  if (propagation.length > 0) throw bad(`propagation "${propagation[0]}" applies to host directories, not volumes`);
  if (source !== undefined) {
    if (/^[.~]|\//.test(source)) throw bad(`"${source}" is a relative path`, 'host directories must be given as absolute paths, e.g. "$PWD/dir"');
    checkVolumeName(source);
  }
  return { type: 'volume', ...(source !== undefined ? { name: source } : {}), target, readonly, noCopy: modes.includes('nocopy'), mode };
}

const truthy = (v: string | undefined, key: string, flag: string): boolean => {
  if (v === undefined || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new HullError('INVALID_ARGUMENT', `Cannot use --mount "${flag}": "${key}" takes true or false, not "${v}"`);
};

/** Pure: docker's --mount grammar (comma-separated key=value; bare keys are booleans). */
export function parseMountFlag(flag: string): MountRequest {
  const bad = (why: string) => new HullError('INVALID_ARGUMENT', `Cannot use --mount "${flag}": ${why}`, { hint: 'expected type=bind|volume|tmpfs,source=...,target=...[,readonly]' });
  let type = 'volume';
  let source: string | undefined;
  let target = '';
  let readonly = false;
  let propagation: string | undefined;
  let recursive = true;
  let noCopy = false;
  let size: number | undefined;
  let mode: number | undefined;
  const labels: Record<string, string> = {};
  const used = { bind: [] as string[], volume: [] as string[], tmpfs: [] as string[] };
  for (const field of flag.split(',')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? undefined : field.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    const need = () => {
      if (value === undefined || value === '') throw bad(`"${key}" needs a value`);
      return value;
    };
    switch (key) {
      case 'type': type = need(); break;
      case 'source': case 'src': source = need(); break;
      case 'target': case 'destination': case 'dst': target = need(); break;
      case 'readonly': case 'ro': readonly = truthy(value, key, flag); break;
      case 'consistency': break; // macOS file sharing hint: nothing to do on Linux
      case 'bind-propagation': propagation = need(); used.bind.push(key); break;
      case 'bind-nonrecursive': recursive = !truthy(value, key, flag); used.bind.push(key); break;
      case 'volume-nocopy': noCopy = truthy(value, key, flag); used.volume.push(key); break;
      case 'volume-label': {
        const kv = need();
        const i = kv.indexOf('=');
        labels[i === -1 ? kv : kv.slice(0, i)] = i === -1 ? '' : kv.slice(i + 1);
        used.volume.push(key);
        break;
      }
      case 'volume-driver':
        if (need() !== 'local') throw bad(`volume driver "${value}" is not available: hull has only "local"`);
        used.volume.push(key);
        break;
      case 'volume-opt': need(); used.volume.push(key); break; // local driver options (device mounts): accepted, ignored
      case 'tmpfs-size': size = parseSize(need(), 'mount tmpfs-size'); used.tmpfs.push(key); break;
      case 'tmpfs-mode':
        if (!/^[0-7]{1,4}$/.test(need())) throw bad(`tmpfs-mode "${value}" is not an octal mode such as 1777`);
        mode = parseInt(value as string, 8);
        used.tmpfs.push(key);
        break;
      default:
        throw bad(`unknown option "${key}"`);
    }
  }
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw bad(`mount type "${type}" is not supported: use bind, volume or tmpfs`);
  for (const [t, keys] of Object.entries(used)) if (t !== type && keys.length > 0) throw bad(`"${keys[0]}" cannot be used with type=${type}`);
  const dest = checkTarget(target, '--mount', flag);
  if (type === 'bind') {
    if (!source) throw bad('type=bind needs a source');
    if (!source.startsWith('/')) throw bad(`the bind source "${source}" must be an absolute path`);
    if (propagation !== undefined && !PROPAGATIONS.has(propagation)) throw bad(`unknown bind-propagation "${propagation}"`);
    return { type: 'bind', source: cleanPath(source), target: dest, readonly, ...(propagation ? { propagation: propagation as Propagation } : {}), createSource: false, recursive, mode: '' };
  }
  if (type === 'tmpfs') {
    if (source) throw bad('type=tmpfs takes no source');
    const options = ['nosuid', 'nodev', 'noexec', ...(readonly ? ['ro'] : []), ...(size !== undefined ? [`size=${size}`] : []), ...(mode !== undefined ? [`mode=${mode.toString(8)}`] : [])];
    return { type: 'tmpfs', target: dest, options, ...(size !== undefined ? { size } : {}), ...(mode !== undefined ? { mode } : {}) };
  }
  if (source !== undefined) checkVolumeName(source);
  return { type: 'volume', ...(source !== undefined ? { name: source } : {}), target: dest, readonly, noCopy, ...(Object.keys(labels).length > 0 ? { labels } : {}), mode: '' };
}

/** Pure: --tmpfs TARGET[:OPTIONS]; the options go to mount(8) after docker's defaults (nosuid,nodev,noexec). */
export function parseTmpfsFlag(flag: string): TmpfsRequest {
  const colon = flag.indexOf(':');
  const target = checkTarget(colon === -1 ? flag : flag.slice(0, colon), '--tmpfs', flag);
  const user = colon === -1 ? [] : flag.slice(colon + 1).split(',').filter((o) => o !== '');
  const req: TmpfsRequest = { type: 'tmpfs', target, options: ['nosuid', 'nodev', 'noexec', ...user] };
  for (const o of user) {
    if (o.startsWith('size=') && !o.endsWith('%')) req.size = parseSize(o.slice(5), 'tmpfs size');
    if (o.startsWith('mode=')) {
      if (!/^[0-7]{1,4}$/.test(o.slice(5))) throw new HullError('INVALID_ARGUMENT', `Cannot use --tmpfs "${flag}": "${o}" is not an octal mode`);
      req.mode = parseInt(o.slice(5), 8);
    }
  }
  return req;
}
