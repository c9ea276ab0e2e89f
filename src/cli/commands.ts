/**
 * The command table. Modules load lazily: `hull ps` imports only what ps needs, which keeps the
 * CLI's start-up close to Node's own (~60 ms here) — every container start pays it.
 */
import type { Command } from './command.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  run: { summary: 'Create and run a container in the foreground', load: async () => (await import('./commands/run.js')).default },
  ps: { summary: 'List containers', load: async () => (await import('./commands/ps.js')).default },
  rm: { summary: 'Remove one or more containers', load: async () => (await import('./commands/rm.js')).default },
  images: { summary: 'List images', load: async () => (await import('./commands/images.js')).default },
  import: { summary: 'Import a root filesystem tarball as an image', load: async () => (await import('./commands/import.js')).default },
  tag: { summary: 'Give an image another name', load: async () => (await import('./commands/tag.js')).default },
  rmi: { summary: 'Remove one or more images', load: async () => (await import('./commands/rmi.js')).default },
  inspect: { summary: 'Show low-level information on containers or images as JSON', load: async () => (await import('./commands/inspect.js')).default },
  volume: { summary: 'Manage volumes', load: async () => (await import('./commands/volume.js')).default },
  info: { summary: 'Show how hull is set up on this host', load: async () => (await import('./commands/info.js')).default },
  version: { summary: 'Show the hull version', load: async () => (await import('./commands/version.js')).default },
};

/** `hull image ls` and `hull container rm` spell the same commands by object, as docker allows. */
export const GROUPS: Record<string, Record<string, string>> = {
  image: { ls: 'images', list: 'images', rm: 'rmi', remove: 'rmi', import: 'import', tag: 'tag', inspect: 'inspect' },
  container: { ls: 'ps', list: 'ps', rm: 'rm', remove: 'rm', run: 'run', inspect: 'inspect' },
};
