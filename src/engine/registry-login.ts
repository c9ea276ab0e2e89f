/**
 * `login`/`logout` and the API's `/auth`: credentials are checked against the registry before they
 * are stored (podman's auth.json; docker's config.json is read too). No engine needs opening: these
 * touch only the auth file. `env` is the caller's environment (REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR,
 * DOCKER_CONFIG, HOME), never read here from the process.
 */
import { HullError, isHullError } from '../errors.js';
import { defaultAuthFile, lookupCredentials, removeCredentials, saveCredentials, type Credentials } from '../registry-client/auth-file.js';
import { openRegistryClient } from '../registry-client/client.js';
import type { RegistryOptions } from '../registry-client/hosts.js';

export type { RegistryOptions } from '../registry-client/hosts.js';

export function authFileFor(opts: { authFile?: string | undefined }, env: NodeJS.ProcessEnv): string {
  return opts.authFile ?? defaultAuthFile(env);
}

/** Checks the credentials against the registry, then stores them. */
export async function login(host: string, credentials: Credentials, opts: RegistryOptions, env: NodeJS.ProcessEnv): Promise<void> {
  if (credentials.username === '') throw new HullError('INVALID_ARGUMENT', `Cannot log in to "${host}": the user name is empty`);
  const client = openRegistryClient({ ...opts, env, host, repository: '', action: `log in to "${host}"`, credentials });
  try {
    await client.checkLogin();
  } catch (err) {
    if (isHullError(err, 'UNAUTHORIZED')) throw new HullError('UNAUTHORIZED', err.message, { hint: 'check the user name and password' });
    throw err;
  } finally {
    client.close();
  }
  await saveCredentials(authFileFor(opts, env), host, credentials);
}

/** The user name stored for `host`. */
export function storedLogin(host: string, opts: { authFile?: string | undefined }, env: NodeJS.ProcessEnv): string {
  const creds = lookupCredentials(host, undefined, { authFile: authFileFor(opts, env), env });
  if (!creds) throw new HullError('NOT_FOUND', `Cannot show the login for "${host}": not logged in`, { hint: `run "hull login ${host}"` });
  return creds.username;
}

export async function logout(host: string, opts: { authFile?: string | undefined }, env: NodeJS.ProcessEnv): Promise<void> {
  const authFile = authFileFor(opts, env);
  if (!(await removeCredentials(authFile, host))) {
    throw new HullError('NOT_FOUND', `Cannot log out of "${host}": not logged in (no entry in ${authFile})`, { hint: 'credentials in ~/.docker/config.json are docker\'s: remove them with "docker logout"' });
  }
}
