import type { Command } from '../command.js';

const tag: Command = {
  name: 'tag',
  summary: 'Give an image another name',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  options: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, { positionals }) {
    const [source, target] = positionals as [string, string];
    await ctx.engine().images.tag(source, target);
    return 0;
  },
};

export default tag;
