import { HullError, isHullError } from '../../errors.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { defaultAuthFile, saveCredentials } from '../../registry-client/auth-file.js';
import { openRegistryClient } from '../../registry-client/client.js';
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

const login: Command = {
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
    const authFile = regOpts.authFile ?? defaultAuthFile();
    if (bool(options, 'get-login')) {
      const { lookupCredentials } = await import('../../registry-client/auth-file.js');
      const creds = lookupCredentials(host, undefined, { authFile });
      if (!creds) throw new HullError('NOT_FOUND', `Cannot show the login for "${host}": not logged in`, { hint: `run "hull login ${host}"` });
      ctx.stdout.write(`${creds.username}\n`);
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
    if (username === '') throw new HullError('INVALID_ARGUMENT', `Cannot log in to "${host}": the user name is empty`);
    const client = openRegistryClient({ ...regOpts, host, repository: '', action: `log in to "${host}"`, credentials: { username, password } });
    try {
      await client.checkLogin();
    } catch (err) {
      if (isHullError(err, 'UNAUTHORIZED')) throw new HullError('UNAUTHORIZED', err.message, { hint: 'check the user name and password' });
      throw err;
    } finally {
      client.close();
    }
    await saveCredentials(authFile, host, { username, password });
    ctx.stdout.write('Login Succeeded!\n');
    return 0;
  },
};

export default login;
