/**
 * What a network is on the host, outside any container: a Linux bridge holding the gateway
 * address, and hull's iptables rules for it. Created with the network, removed with it; the
 * per-container parts (veth, lease, port DNAT) belong to the CNI plugins.
 *
 *   filter FORWARD -> HULL-FORWARD
 *     -o hull+ ESTABLISHED,RELATED  ACCEPT     replies to what a container started
 *     -o hull+ ctstate DNAT         ACCEPT     published ports, from anywhere (other networks too)
 *     per network B:  -i B -o B ACCEPT; then -i B -o hull+ DROP (isolation from other hull
 *                     networks); -i B ACCEPT (outbound).  Internal: -i B DROP; -o B DROP.
 *   nat POSTROUTING -> HULL-POSTROUTING
 *     per non-internal network:  -s SUBNET ! -d SUBNET MASQUERADE
 *
 * Rules carry the comment "hull:<bridge>". Plans are pure (argv lists); apply runs them.
 * Everything here runs under the host-wide network lock, since bridges, subnets and rules are
 * shared by every hull --root on the machine.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { execCapture, execOrThrow } from '../sys/exec.js';
import { dropOwner, recordOwner } from './bridge-owners.js';
import type { NetworkRecord } from './network-store.js';
import { HOST_PLACE, interfaceExists, type NetPlace } from './rootless-netns.js';

export const FILTER_CHAIN = 'HULL-FORWARD';
export const NAT_CHAIN = 'HULL-POSTROUTING';
/** Every hull bridge name starts with this (iptables' "hull+" wildcard matches them all). */
export const BRIDGE_PREFIX = 'hull';

export interface Rule {
  table: 'filter' | 'nat';
  chain: string;
  spec: string[];
}

export function planHookRules(): Array<Rule & { hook: string }> {
  return [
    { table: 'filter', chain: 'FORWARD', hook: FILTER_CHAIN, spec: ['-j', FILTER_CHAIN] },
    { table: 'nat', chain: 'POSTROUTING', hook: NAT_CHAIN, spec: ['-j', NAT_CHAIN] },
  ];
}

export function planGlobalRules(): Rule[] {
  const c = ['-m', 'comment', '--comment', 'hull'];
  return [
    { table: 'filter', chain: FILTER_CHAIN, spec: ['-o', `${BRIDGE_PREFIX}+`, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...c, '-j', 'ACCEPT'] },
    { table: 'filter', chain: FILTER_CHAIN, spec: ['-o', `${BRIDGE_PREFIX}+`, '-m', 'conntrack', '--ctstate', 'DNAT', ...c, '-j', 'ACCEPT'] },
  ];
}

export function planNetworkRules(net: NetworkRecord): Rule[] {
  const b = net.Bridge;
  const c = ['-m', 'comment', '--comment', `hull:${b}`];
  const f = (spec: string[]): Rule => ({ table: 'filter', chain: FILTER_CHAIN, spec: [...spec.slice(0, -2), ...c, ...spec.slice(-2)] });
  if (net.Internal) return [f(['-i', b, '-o', b, '-j', 'ACCEPT']), f(['-i', b, '-j', 'DROP']), f(['-o', b, '-j', 'DROP'])];
  return [
    f(['-i', b, '-o', b, '-j', 'ACCEPT']),
    f(['-i', b, '-o', `${BRIDGE_PREFIX}+`, '-j', 'DROP']),
    f(['-i', b, '-j', 'ACCEPT']),
    { table: 'nat', chain: NAT_CHAIN, spec: ['-s', net.Subnet, '!', '-d', net.Subnet, ...c, '-j', 'MASQUERADE'] },
  ];
}

/** `ip -batch` lines that create the bridge with the gateway address, up. */
export function planBridge(net: NetworkRecord): string {
  const prefix = net.Subnet.split('/')[1];
  return [`link add name ${net.Bridge} type bridge`, `addr add ${net.Gateway}/${prefix} dev ${net.Bridge}`, `link set ${net.Bridge} up`].join('\n') + '\n';
}

export const bridgeExists = (name: string, place: NetPlace = HOST_PLACE) => (place.prefix.length === 0 ? existsSync(`/sys/class/net/${name}`) : interfaceExists(place, name));

const ipt = (r: Rule, op: string[], place: NetPlace) => [...place.prefix, 'iptables', '-w', '-t', r.table, ...op, r.chain, ...r.spec];

async function ensureRule(r: Rule, place: NetPlace, insert = false): Promise<void> {
  if ((await execCapture(ipt(r, ['-C'], place))).code === 0) return;
  await execOrThrow(ipt(r, insert ? ['-I'] : ['-A'], place), `add iptables rule to ${r.chain}`);
}

async function ensureChains(place: NetPlace): Promise<void> {
  for (const h of planHookRules()) {
    await execCapture([...place.prefix, 'iptables', '-w', '-t', h.table, '-N', h.hook]); // exists already: fine
    await ensureRule(h, place, true);
  }
  for (const r of planGlobalRules()) await ensureRule(r, place);
}

/**
 * Idempotent: the bridge (with its gateway address) and the network's rules, owned by the record
 * at recordPath (bridge-owners.ts), so that they are removed if that record disappears.
 */
export async function applyNetworkOnHost(net: NetworkRecord, recordPath: string, ownersDir: string, place: NetPlace = HOST_PLACE): Promise<void> {
  recordOwner(recordPath, net, ownersDir);
  if (!bridgeExists(net.Bridge, place)) await execOrThrow([...place.prefix, 'ip', '-batch', '-'], `create bridge "${net.Bridge}"`, { input: planBridge(net) });
  await ensureChains(place);
  for (const r of planNetworkRules(net)) await ensureRule(r, place);
}

export async function removeNetworkFromHost(net: NetworkRecord, ownersDir: string, place: NetPlace = HOST_PLACE): Promise<void> {
  // The rules side by side (iptables -w takes turns on the table lock; the process starts overlap).
  await Promise.all(planNetworkRules(net).map(async (r) => {
    // Delete every copy (a crash between -C and -A of two processes could have added two).
    for (let i = 0; i < 4 && (await execCapture(ipt(r, ['-D'], place))).code === 0; i++);
  }));
  if (bridgeExists(net.Bridge, place)) await execCapture([...place.prefix, 'ip', 'link', 'del', net.Bridge]);
  dropOwner(net.Bridge, ownersDir);
}

export function ensureLockDir(lockPath: string): void {
  mkdirSync(dirname(lockPath), { recursive: true });
}
