/**
 * Which program connects rootless containers on the default network: podman's
 * `default_rootless_network_cmd` (containers.conf(5), [network] table), read from the user's
 * `~/.config/hull/containers.conf` (the same TOML, parsed by smol-toml, a maintained TOML 1.0
 * parser: the file is the user's). "pasta" unless it says "slirp4netns"; `--network pasta` or
 * `--network slirp4netns` chooses per container.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { HullError, errnoCode, showUntrusted } from '../errors.js';

export type RootlessNetworkCmd = 'pasta' | 'slirp4netns';

export interface RootlessNetworkChoice {
  cmd: RootlessNetworkCmd;
  /** Why, for `hull info`. */
  reason: string;
}

/** Pure: the choice a containers.conf's text makes (undefined text: no file). */
export function parseRootlessNetworkCmd(text: string | undefined, path: string): RootlessNetworkChoice {
  if (text === undefined) return { cmd: 'pasta', reason: `the default (no ${path})` };
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new HullError('INVALID_ARGUMENT', `Cannot read "${path}": ${showUntrusted((err as Error).message.split('\n')[0] ?? '')}`, { hint: 'fix the TOML, or remove the file' });
  }
  const network = doc.network as Record<string, unknown> | undefined;
  const value = network?.default_rootless_network_cmd;
  if (value === undefined) return { cmd: 'pasta', reason: `the default (${path} does not set [network] default_rootless_network_cmd)` };
  if (value !== 'pasta' && value !== 'slirp4netns') {
    throw new HullError('INVALID_ARGUMENT', `Cannot use default_rootless_network_cmd "${showUntrusted(String(value))}" of "${path}": expected "pasta" or "slirp4netns"`, { hint: 'set it to "pasta" or "slirp4netns"' });
  }
  return { cmd: value, reason: `${path}: [network] default_rootless_network_cmd` };
}

/** The user's choice, from CONFIGDIR/containers.conf. */
export function readRootlessNetworkCmd(configDir: string): RootlessNetworkChoice {
  const path = join(configDir, 'containers.conf');
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  return parseRootlessNetworkCmd(text, path);
}
