/**
 * Driving the reference CNI plugins (CNI spec 1.0, SPEC.md "Execution protocol").
 *
 *   ADD: for each plugin of the conflist in order, run <CNI_PATH>/<type> with CNI_COMMAND=ADD,
 *        CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH (+ CNI_ARGS); its config on stdin with
 *        `prevResult` = the previous plugin's result; its result JSON on stdout.
 *   DEL: the same plugins in reverse order, each given the final ADD result as `prevResult`.
 *
 * planConflist is pure: hull's network record -> the conflist. The chain is bridge (+host-local
 * IPAM, leases under hull's own dataDir) and, only when the container publishes ports, portmap.
 * Masquerade and isolation are per network, not per container (host-rules.ts): see
 * docs/networking.md for why the firewall plugin and the bridge plugin's ipMasq are not used.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import { execCapture } from '../sys/exec.js';
import { HOST_PATH } from '../sys/which.js';
import type { NetworkRecord } from './network-store.js';
import type { PortBinding } from './ports.js';

export interface CniPlugin {
  type: string;
  [key: string]: unknown;
}

export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: CniPlugin[];
}

export interface CniResult {
  cniVersion: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ address: string; gateway?: string; interface?: number }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: unknown;
}

export interface CniRuntime {
  /** Directories holding the plugin binaries, ":"-separated. */
  path: string;
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS, e.g. "IgnoreUnknown=1;IP=10.88.0.5" for a fixed address from host-local. */
  args?: string;
  /** Runs the plugin in another network namespace (rootless mode: rootless-netns.ts). */
  prefix?: string[];
}

const CNI_DIRS = ['/usr/lib/cni', '/opt/cni/bin', '/usr/libexec/cni'];

export function findCniPath(): string {
  const dir = CNI_DIRS.find((d) => existsSync(join(d, 'bridge')));
  if (!dir) throw new HullError('NOT_FOUND', 'Cannot set up container networking: the CNI plugins are not installed', { hint: 'apt-get install containernetworking-plugins, or use --network none' });
  return dir;
}

export function planConflist(net: NetworkRecord, opts: { ipamDir: string; ports: PortBinding[]; mac?: string }): CniConfList {
  const ipam = {
    type: 'host-local',
    dataDir: opts.ipamDir,
    ranges: [[{ subnet: net.Subnet, gateway: net.Gateway }]],
    // An internal network gets no default route: only its own subnet is reachable.
    routes: net.Internal ? [] : [{ dst: '0.0.0.0/0' }],
  };
  const plugins: CniPlugin[] = [{ type: 'bridge', bridge: net.Bridge, isGateway: true, ipMasq: false, hairpinMode: true, ipam }];
  // The bridge plugin (1.1) cannot choose the MAC; tuning sets it, as podman's CNI networks did.
  // Its backup of the old settings goes beside the leases, not to /run/cni.
  if (opts.mac) plugins.push({ type: 'tuning', mac: opts.mac, dataDir: join(opts.ipamDir, 'tuning') });
  if (opts.ports.length > 0) {
    plugins.push({
      type: 'portmap',
      snat: true,
      capabilities: { portMappings: true },
      runtimeConfig: {
        portMappings: opts.ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, ...(p.hostIp ? { hostIP: p.hostIp } : {}) })),
      },
    });
  }
  return { cniVersion: '1.0.0', name: net.Name, plugins };
}

/** The stdin of one plugin invocation. */
export function pluginInput(list: CniConfList, plugin: CniPlugin, prevResult: CniResult | undefined): Record<string, unknown> {
  return { cniVersion: list.cniVersion, name: list.name, ...plugin, ...(prevResult ? { prevResult } : {}) };
}

export function pluginEnv(command: 'ADD' | 'DEL' | 'CHECK', rt: CniRuntime): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifname,
    CNI_PATH: rt.path,
    ...(rt.args ? { CNI_ARGS: rt.args } : {}),
  };
}

/** CNI_PATH may list several directories (":"-separated, as kubelet nodes use): the first that has the plugin. */
export function pluginBinary(path: string, type: string): string {
  const dirs = path.split(':').filter(Boolean);
  return dirs.map((d) => join(d, type)).find((p) => existsSync(p)) ?? join(dirs[0] ?? path, type);
}

async function execPlugin(command: 'ADD' | 'DEL' | 'CHECK', list: CniConfList, plugin: CniPlugin, prev: CniResult | undefined, rt: CniRuntime): Promise<CniResult | undefined> {
  const r = await execCapture([...(rt.prefix ?? []), pluginBinary(rt.path, plugin.type)], { env: { PATH: HOST_PATH, ...pluginEnv(command, rt) }, input: JSON.stringify(pluginInput(list, plugin, prev)) });
  if (r.code !== 0) {
    let msg = r.stderr.trim() || r.stdout.trim();
    try {
      const e = JSON.parse(r.stdout) as { msg?: string; details?: string };
      msg = [e.msg, e.details].filter(Boolean).join(': ') || msg;
    } catch {
      // not JSON: keep the raw text
    }
    throw new HullError('RUNTIME_FAILED', `Cannot ${command === 'DEL' ? 'detach' : 'attach'} container ${rt.containerId.slice(0, 12)} ${command === 'DEL' ? 'from' : 'to'} network "${list.name}": CNI plugin ${plugin.type} failed: ${msg}`);
  }
  return command === 'ADD' && r.stdout.trim() ? (JSON.parse(r.stdout) as CniResult) : prev;
}

/** ADD through the chain; on a failure, DELs what was added and rethrows. */
export async function cniAdd(list: CniConfList, rt: CniRuntime): Promise<CniResult> {
  let result: CniResult | undefined;
  for (const [i, plugin] of list.plugins.entries()) {
    try {
      result = await execPlugin('ADD', list, plugin, result, rt);
    } catch (err) {
      await cniDel({ ...list, plugins: list.plugins.slice(0, i + 1) }, rt, result).catch(() => {});
      throw err;
    }
  }
  if (!result) throw new HullError('RUNTIME_FAILED', `Cannot attach to network "${list.name}": the CNI chain returned no result`);
  return result;
}

/** DEL in reverse order; every plugin runs even if one fails, then the first failure is thrown. */
export async function cniDel(list: CniConfList, rt: CniRuntime, result: CniResult | undefined): Promise<void> {
  let first: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    await execPlugin('DEL', list, plugin, result, rt).catch((err: unknown) => {
      first ??= err;
    });
  }
  if (first !== undefined) throw first;
}
