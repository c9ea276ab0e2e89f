/**
 * The /etc/hosts, /etc/hostname and /etc/resolv.conf a container sees, generated per container in
 * its runroot directory and bind-mounted (so the image's own files are never modified).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../sys/atomic-write.js';

export function hostsFile(hostname: string, extra: Array<{ ip: string; names: string[] }> = []): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    ...extra.map((e) => `${e.ip}\t${e.names.join(' ')}`),
    `127.0.1.1\t${hostname}`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * The host's resolv.conf without loopback nameservers (unreachable from a container's own network
 * namespace, as docker filters them).
 */
export function resolvConf(hostText: string): string {
  const kept = hostText.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  return kept.join('\n').replace(/\n*$/, '\n');
}

export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** Writes the files not `provided` (the network layer writes hosts and resolv.conf of networked containers). */
export function writeEtcFiles(dir: string, hostname: string, provided: Partial<EtcFiles> = {}): EtcFiles {
  let hostResolv = '';
  try {
    hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolver configured on the host: the container gets an empty file
  }
  const files: EtcFiles = { hosts: provided.hosts ?? join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: provided.resolvConf ?? join(dir, 'resolv.conf') };
  // Rewritten at every start, in the runroot: atomic, not durable.
  const ephemeral = { ephemeral: true };
  if (!provided.hosts) writeFileAtomic(files.hosts, hostsFile(hostname), 0o644, ephemeral);
  writeFileAtomic(files.hostname, `${hostname}\n`, 0o644, ephemeral);
  if (!provided.resolvConf) writeFileAtomic(files.resolvConf, resolvConf(hostResolv), 0o644, ephemeral);
  return files;
}
