/**
 * Network records: what hull knows about each network of one --root.
 *
 *   <root>/networks/<name>.json   version 1, written atomically under the lock
 *   <root>/networks/.lock         this root's network metadata lock (sys/lock.ts)
 *
 * The bridge device and hull's iptables rules of a network exist on the host from `create` to
 * `rm` (host-rules.ts); addresses are leased per container by host-local IPAM (service.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';

export interface NetworkRecord {
  version: 1;
  Name: string;
  Id: string;
  Created: string;
  /** bridge: hull's own bridge and CNI chain; cni: the host's CNI configuration (cni-conf.ts); pasta: the rootless default network, one pasta per container and no bridge (pasta.ts); slirp4netns: the same with slirp4netns (slirp4netns.ts). */
  Driver: 'bridge' | 'cni' | 'pasta' | 'slirp4netns';
  Scope: 'local';
  /** The Linux bridge device (host-global, so unique across --roots). */
  Bridge: string;
  Subnet: string;
  Gateway: string;
  /** No outbound route, no masquerade, no forwarding in or out. */
  Internal: boolean;
  Labels: Record<string, string>;
  /** The predefined "bridge" network: no name resolution between containers, as in docker. */
  Default: boolean;
  /** Driver cni: where the configuration and the plugins are (Bridge, Subnet, Gateway are ""). */
  Cni?: { ConfDir: string; BinDir: string };
}

export const DEFAULT_NETWORK = 'bridge';
/** Modes that are not networks: `--network none|host|container:ID`. */
export const RESERVED_NAMES = new Set(['none', 'host', 'default']);

export function checkNetworkName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(name) || RESERVED_NAMES.has(name)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use network name "${name}": names match [a-zA-Z0-9][a-zA-Z0-9_.-]* and are not none, host or default`);
  }
  return name;
}

export class NetworkStore {
  readonly dir: string;
  readonly lockPath: string;

  constructor(root: string) {
    this.dir = join(root, 'networks');
    this.lockPath = join(this.dir, '.lock');
  }

  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  private read(name: string): NetworkRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${name}.json`), 'utf8')) as NetworkRecord;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENAMETOOLONG') return undefined;
      throw err;
    }
  }

  has(name: string): boolean {
    return existsSync(join(this.dir, `${name}.json`));
  }

  list(): NetworkRecord[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => this.read(f.slice(0, -5)) ?? [])
      .sort((a, b) => a.Name.localeCompare(b.Name));
  }

  /** By name, full id or unique id prefix. */
  find(nameOrId: string): NetworkRecord | undefined {
    const byName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(nameOrId) ? this.read(nameOrId) : undefined;
    if (byName) return byName;
    const matches = this.list().filter((n) => n.Id.startsWith(nameOrId));
    return matches.length === 1 ? matches[0] : undefined;
  }

  get(nameOrId: string): NetworkRecord {
    const n = this.find(nameOrId);
    if (!n) throw new HullError('NOT_FOUND', `Cannot find network "${nameOrId}": no such network`, { hint: 'see "hull network ls"' });
    return n;
  }

  pathOf(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  write(record: NetworkRecord): void {
    this.ensureDir();
    writeJsonAtomic(this.pathOf(record.Name), record);
  }

  remove(name: string): void {
    rmSync(this.pathOf(name), { force: true });
  }
}
