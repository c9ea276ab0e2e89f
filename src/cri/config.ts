/**
 * `hull cri serve --config FILE`: a small TOML file (flags override it).
 *
 *   listen = "unix:///run/hull/cri.sock"
 *   cni_conf_dir = "/etc/cni/net.d"         # the pod network: the first .conflist/.conf by name
 *   cni_bin_dir = "/opt/cni/bin"            # plugins (":"-separated list allowed)
 *   registries_conf = "/etc/containers/registries.conf"
 *   stream_address = "127.0.0.1"            # where the exec/attach/port-forward server listens
 *
 * The cgroup driver is cgroupfs (the only one hull drives); kubelet must say the same.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { HullError, errorMessage, showUntrusted } from '../errors.js';

export interface CriConfig {
  listen: string;
  cniConfDir: string;
  cniBinDir: string;
  registriesConf: string;
  streamAddress: string;
}

export const DEFAULT_CRI_SOCKET = 'unix:///run/hull/cri.sock';

export const DEFAULT_CRI_CONFIG: CriConfig = {
  listen: DEFAULT_CRI_SOCKET,
  cniConfDir: '/etc/cni/net.d',
  cniBinDir: '/opt/cni/bin:/usr/lib/cni',
  registriesConf: '/etc/containers/registries.conf',
  streamAddress: '127.0.0.1',
};

const KEYS: Record<string, keyof CriConfig> = {
  listen: 'listen',
  cni_conf_dir: 'cniConfDir',
  cni_bin_dir: 'cniBinDir',
  registries_conf: 'registriesConf',
  stream_address: 'streamAddress',
};

/** Parses the config file's text over the defaults; unknown keys and non-strings are refused. */
export function parseCriConfig(text: string, file: string): CriConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new HullError('INVALID_FORMAT', `Cannot read CRI config "${showUntrusted(file)}": ${showUntrusted(errorMessage(err).split('\n')[0] ?? '')}`);
  }
  const config = { ...DEFAULT_CRI_CONFIG };
  for (const [key, value] of Object.entries(doc)) {
    const field = KEYS[key];
    if (!field) throw new HullError('INVALID_ARGUMENT', `Cannot read CRI config "${showUntrusted(file)}": unknown key "${showUntrusted(key)}"`, { hint: `known keys: ${Object.keys(KEYS).join(', ')}` });
    if (typeof value !== 'string' || value === '') throw new HullError('INVALID_ARGUMENT', `Cannot read CRI config "${showUntrusted(file)}": ${key} must be a non-empty string`);
    config[field] = value;
  }
  return config;
}

export function loadCriConfig(file: string | undefined, overrides: Partial<CriConfig>): CriConfig {
  let base = DEFAULT_CRI_CONFIG;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new HullError('NOT_FOUND', `Cannot read CRI config "${showUntrusted(file)}": ${errorMessage(err)}`);
    }
    base = parseCriConfig(text, file);
  }
  return { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}
