import { HullError } from '../../errors.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { login, storedLogin } from '../../engine/registry-login.js';
import { TLS_OPTIONS, normaliseRegistryHost, registryOptionsFrom } from './registry-options.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from the terminal; with `hidden`, nothing is echoed (a password). */
function prompt(question: string, hidden: boolean): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve) => {
    let line = '';
    if (hidden) stdin.setRawMode(true);
    stdin.resume();
    const onData = (b: Buffer) => {
      for (const ch of b.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.off('data', onData);
          if (hidden) stdin.setRawMode(false);
          stdin.pause();
          if (hidden) process.stderr.write('\n');
          resolve(line);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') line = line.slice(0, -1);
        else line += ch;
      }
    };
    stdin.on('data', onData);
  });
}

const loginCommand: Command = {
  name: 'login',
  summary: 'Log in to a registry',
  usage: '[OPTIONS] [REGISTRY]',
  description:
    "Check credentials against REGISTRY (default docker.io) and store them in the auth file, in podman's auth.json format. hull reads them from there, and from docker's ~/.docker/config.json.",
  examples: ['hull login -u alice localhost:5000', 'echo "$TOKEN" | hull login -u alice --password-stdin quay.io'],
  options: [
    { name: 'username', short: 'u', type: 'string', valueName: 'USER', description: 'user name' },
    { name: 'password', short: 'p', type: 'string', valueName: 'PASS', description: 'password (visible to other users in the process list: prefer --password-stdin)' },
    { name: 'password-stdin', type: 'boolean', description: 'read the password from standard input' },
    { name: 'get-login', type: 'boolean', description: 'print the stored user name for REGISTRY' },
    ...TLS_OPTIONS,
  ],
  usesEngine: false,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const host = normaliseRegistryHost(positionals[0] ?? 'docker.io');
    const regOpts = registryOptionsFrom(options);
    if (bool(options, 'get-login')) {
      ctx.stdout.write(`${storedLogin(host, regOpts, process.env)}\n`);
      return 0;
    }
    let username = str(options, 'username');
    let password = str(options, 'password');
    if (bool(options, 'password-stdin')) {
      if (password !== undefined) throw new HullError('INVALID_ARGUMENT', 'Cannot use --password and --password-stdin together');
      if (username === undefined) throw new HullError('INVALID_ARGUMENT', 'Cannot log in: --password-stdin needs --username', { hint: `hull login -u USER --password-stdin ${host}` });
      password = (await readAll(process.stdin)).replace(/\r?\n$/, '');
    }
    if (username === undefined || password === undefined) {
      if (!process.stdin.isTTY) throw new HullError('INVALID_ARGUMENT', `Cannot log in to "${host}": no terminal to ask for the ${username === undefined ? 'user name' : 'password'}`, { hint: `give -u USER and --password-stdin` });
      username ??= await prompt('Username: ', false);
      password ??= await prompt('Password: ', true);
    }
    await login(host, { username, password }, regOpts, process.env);
    ctx.stdout.write('Login Succeeded!\n');
    return 0;
  },
};

export default loginCommand;
