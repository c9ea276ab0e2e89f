/**
 * Which store owns each hull bridge, kept host-wide so that a bridge whose store is gone (its
 * --root deleted with rm -rf, never "hull network rm") is found and removed by the next network
 * change of any store — bridges and iptables rules are host-global, a deleted store cannot clean
 * up after itself.
 *
 *   /run/hull-bridges/<bridge>.json   version 1: {"version":1,"recordPath":"<root>/networks/<name>.json","network":NetworkRecord}
 *
 * In /run because bridges and rules do not survive a reboot either. Read and written only under
 * the host-wide network lock (HostPaths.networkLock).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import type { NetworkRecord } from './network-store.js';


interface Owner {
  version: 1;
  recordPath: string;
  network: NetworkRecord;
}

export function recordOwner(recordPath: string, network: NetworkRecord, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const owner: Owner = { version: 1, recordPath, network };
  writeJsonAtomic(join(dir, `${network.Bridge}.json`), owner);
}

export function dropOwner(bridge: string, dir: string): void {
  rmSync(join(dir, `${bridge}.json`), { force: true });
}

function readRecord(path: string): NetworkRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as NetworkRecord;
  } catch {
    return undefined;
  }
}

/** Networks whose owning record is gone or now names another bridge: theirs to remove. */
export function orphanedNetworks(dir: string): NetworkRecord[] {
  if (!existsSync(dir)) return [];
  const orphans: NetworkRecord[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const owner = readRecord(join(dir, file)) as unknown as Owner | undefined;
    if (!owner?.network?.Bridge) {
      rmSync(join(dir, file), { force: true }); // torn or foreign: nothing to act on
      continue;
    }
    const live = readRecord(owner.recordPath);
    if (!live || live.Id !== owner.network.Id) orphans.push(owner.network);
  }
  return orphans;
}
