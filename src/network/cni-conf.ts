/**
 * Networks whose CNI configuration is the host's, not hull's: Kubernetes' convention of a
 * configuration directory (/etc/cni/net.d) and plugin directories (/opt/cni/bin), as containerd
 * and CRI-O read them (libcni's ConfFiles/LoadConfList):
 *   - the first file by name among *.conflist, *.conf, *.json; a .conf is one plugin, made a list;
 *   - runtimeConfig is given only to plugins that declare the capability (CONVENTIONS.md
 *     "Dynamic plugin specific fields"): portMappings to portmap for the pod's hostPorts.
 * The list read at ADD is kept in the sandbox state, so DEL runs the same chain even if the file
 * changed meanwhile (the CNI spec asks runtimes to DEL with the ADD's configuration).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, errorMessage, showUntrusted } from '../errors.js';
import type { CniConfList, CniPlugin } from './cni.js';
import type { PortBinding } from './ports.js';

const CONF_FILE = /\.(conflist|conf|json)$/;

/** The network configuration files of a directory, in the order libcni uses (by name). */
export function cniConfFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => CONF_FILE.test(n)).sort();
  } catch {
    return [];
  }
}

/** Pure: a configuration file's text as a conflist. Throws INVALID_FORMAT naming the file. */
export function parseCniConf(text: string, file: string): CniConfList {
  const bad = (why: string) => new HullError('INVALID_FORMAT', `Cannot use CNI configuration "${showUntrusted(file)}": ${why}`, { hint: 'see the CNI specification (SPEC.md, "Network configuration")' });
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw bad(errorMessage(err));
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('expected a JSON object');
  if (typeof doc.name !== 'string' || doc.name === '') throw bad('it has no name');
  const cniVersion = typeof doc.cniVersion === 'string' ? doc.cniVersion : '0.4.0';
  const plugins = Array.isArray(doc.plugins) ? (doc.plugins as CniPlugin[]) : [(({ cniVersion: _v, name: _n, ...plugin }) => plugin)(doc) as CniPlugin];
  if (plugins.length === 0) throw bad('it lists no plugins');
  for (const p of plugins) {
    if (typeof p !== 'object' || p === null || typeof p.type !== 'string' || !/^[a-zA-Z0-9_.-]+$/.test(p.type)) throw bad(`a plugin's type ${showUntrusted(JSON.stringify(p?.type ?? null))} is not a plugin name`);
  }
  return { cniVersion, name: doc.name, plugins };
}

/** The directory's network: its first configuration file, parsed. NOT_FOUND when there is none. */
export function readCniConf(dir: string): CniConfList {
  const [first] = cniConfFiles(dir);
  if (first === undefined) throw new HullError('NOT_FOUND', `Cannot set up the pod network: no CNI configuration in "${showUntrusted(dir)}"`, { hint: 'install a network configuration (a .conflist) there, as for any Kubernetes node' });
  return parseCniConf(readFileSync(join(dir, first), 'utf8'), join(dir, first));
}

/**
 * Pure: the list with runtimeConfig.portMappings for the plugins that declare the capability.
 * Without ports the reference portmap plugin has nothing to do, so it is left out of the chain
 * (one process less per pod; the list kept for DEL is this one, so DEL matches).
 */
export function withPortMappings(list: CniConfList, ports: PortBinding[]): CniConfList {
  return {
    ...list,
    plugins: list.plugins.filter((p) => ports.length > 0 || p.type !== 'portmap').map((p) => {
      const caps = p.capabilities as Record<string, unknown> | undefined;
      if (!caps?.portMappings || ports.length === 0) return p;
      const portMappings = ports.map((x) => ({ hostPort: x.hostPort, containerPort: x.containerPort, protocol: x.protocol, ...(x.hostIp ? { hostIP: x.hostIp } : {}) }));
      return { ...p, runtimeConfig: { ...(p.runtimeConfig as object | undefined), portMappings } };
    }),
  };
}
