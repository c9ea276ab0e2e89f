import { str } from '../args.js';
import type { Command } from '../command.js';
import { logout } from '../../engine/registry-login.js';
import { normaliseRegistryHost } from './registry-options.js';

const logoutCommand: Command = {
  name: 'logout',
  summary: 'Log out of a registry',
  usage: '[OPTIONS] [REGISTRY]',
  description: 'Remove the credentials stored for REGISTRY (default docker.io) from the auth file.',
  examples: ['hull logout localhost:5000'],
  options: [{ name: 'authfile', type: 'string', valueName: 'FILE', description: 'auth file (default $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json)' }],
  usesEngine: false,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const host = normaliseRegistryHost(positionals[0] ?? 'docker.io');
    await logout(host, { authFile: str(options, 'authfile') }, process.env);
    ctx.stdout.write(`Removed login credentials for ${host}\n`);
    return 0;
  },
};

export default logoutCommand;
