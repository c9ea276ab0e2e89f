/** Flags shared by pull, push, login and build (for its base images), turned into the registry client's options. */
import { HullError } from '../../errors.js';
import { str, type OptionValues } from '../args.js';
import type { OptionSpec } from '../args.js';
import type { RegistryOptions } from '../../registry-client/hosts.js';

export const TLS_OPTIONS: OptionSpec[] = [
  { name: 'tls-verify', type: 'boolean', description: 'verify TLS certificates (default true); false also allows plain HTTP' },
  { name: 'cert-dir', type: 'string', valueName: 'DIR', description: 'certs.d-style directory: DIR/HOST:PORT/*.crt (default /etc/containers/certs.d, /etc/docker/certs.d)' },
  { name: 'authfile', type: 'string', valueName: 'FILE', description: 'auth file (default $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json)' },
];

export const CREDS_OPTION: OptionSpec = { name: 'creds', type: 'string', valueName: 'USER[:PASS]', description: 'credentials for the registry, instead of the auth file' };

export const TRANSFER_OPTIONS: OptionSpec[] = [...TLS_OPTIONS, CREDS_OPTION, { name: 'quiet', short: 'q', type: 'boolean', description: 'print no progress' }];

export function parseCreds(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new HullError('INVALID_ARGUMENT', `Cannot use --creds "${value.replace(/:.*/, ':***')}": expected USER:PASSWORD`);
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** Registry options from flags and the environment (HULL_INSECURE_REGISTRIES=host:port,...). */
export function registryOptionsFrom(o: OptionValues, concurrencyFlag?: string): RegistryOptions {
  // The CLI's own environment says where auth files and extra CAs are; the engine never reads it.
  const opts: RegistryOptions = { env: process.env };
  if (o['tls-verify'] === false) opts.tlsVerify = false;
  const certDir = str(o, 'cert-dir');
  if (certDir !== undefined) opts.certDirs = [certDir];
  const authFile = str(o, 'authfile');
  if (authFile !== undefined) opts.authFile = authFile;
  const creds = str(o, 'creds');
  if (creds !== undefined) opts.credentials = parseCreds(creds);
  const insecure = process.env.HULL_INSECURE_REGISTRIES;
  if (insecure) opts.insecureRegistries = insecure.split(',').map((s) => s.trim()).filter(Boolean);
  const jobs = concurrencyFlag === undefined ? undefined : str(o, concurrencyFlag);
  if (jobs !== undefined) {
    if (!/^[1-9]\d*$/.test(jobs)) throw new HullError('INVALID_ARGUMENT', `Cannot use --${concurrencyFlag} "${jobs}": expected a positive whole number`);
    opts.concurrency = Number(jobs);
  }
  return opts;
}

/** `https://localhost:5000/v2/` -> `localhost:5000`; Docker Hub's spellings -> docker.io. */
export function normaliseRegistryHost(input: string): string {
  const host = input.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (host === '' || /\s/.test(host)) throw new HullError('INVALID_ARGUMENT', `Cannot use registry "${input}": expected a host name such as localhost:5000 or quay.io`);
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? 'docker.io' : host;
}
