import { bool } from '../args.js';
import type { Command } from '../command.js';
import { forEach } from '../each.js';

const rm: Command = {
  name: 'rm',
  summary: 'Remove one or more containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  options: [
    { name: 'force', short: 'f', type: 'boolean', description: 'kill and remove a running container' },
    { name: 'volumes', short: 'v', type: 'boolean', description: 'remove anonymous volumes of the container' },
  ],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    return forEach(ctx, positionals, async (name) => {
      await ctx.engine().containers.remove(name, { force: bool(options, 'force'), volumes: bool(options, 'volumes') });
      return name;
    });
  },
};

export default rm;
