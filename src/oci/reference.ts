/**
 * Image references with Docker's normalisation (distribution/reference grammar):
 *
 *   [domain[:port]/]path[:tag][@digest]
 *   busybox                      -> docker.io/library/busybox:latest
 *   user/app                     -> docker.io/user/app:latest
 *   localhost:5000/a/b:t@sha256: -> kept as is (the tag is informational once a digest is given)
 *
 * The first path component is a domain when it contains '.' or ':' or is 'localhost'.
 */
import { HullError, showUntrusted } from '../errors.js';
import { isDigest, type Digest } from './digest.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[a-fA-F0-9:]+\](?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const MAX_NAME_LENGTH = 255;

export interface Reference {
  /** Registry host, with port when given: docker.io, localhost:5000. */
  readonly domain: string;
  /** Repository path inside the registry: library/busybox. */
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
}

function invalid(input: string, why: string): HullError {
  return new HullError('INVALID_REFERENCE', `Cannot parse reference "${showUntrusted(input)}": ${why}`, {
    hint: 'references look like NAME[:TAG][@DIGEST], e.g. busybox:latest or localhost:5000/team/app:1.0',
  });
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash === -1 || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first.toLowerCase() === first)) {
    return { domain: DEFAULT_DOMAIN, path: name };
  }
  return { domain: first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first, path: name.slice(slash + 1) };
}

/** Parses and normalises a reference; adds the `latest` tag when neither tag nor digest is given. */
export function parseReference(input: string): Reference {
  const ref = parseReferenceLoose(input);
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** Like parseReference but without the default tag (for `hull push IMAGE` style repository names). */
export function parseReferenceLoose(input: string): Reference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const blank = /\s/.exec(input) ?? /[\u0000-\u001f\u007f]/.exec(input);
  if (blank) throw invalid(input, blank[0] === ' ' ? 'it contains a space' : 'it contains a control character or white space');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw invalid(input, `"${d}" is not a valid digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw invalid(input, `"${tag}" is not a valid tag (letters, digits, '_', '.', '-'; at most 128)`);
  }
  if (/^[a-f0-9]{64}$/.test(rest)) throw invalid(input, 'a 64-character hexadecimal string is an image ID, not a repository name');
  const { domain, path: rawPath } = splitDomain(rest);
  // "UPPER/case" reads as a registry host named UPPER (distribution's rule); docker says what is wrong.
  if (domain !== DEFAULT_DOMAIN && !/[.:]/.test(domain) && domain !== 'localhost') throw invalid(input, 'repository names must be lowercase');
  if (!DOMAIN.test(domain)) throw invalid(input, `"${domain}" is not a valid registry host`);
  const path = domain === DEFAULT_DOMAIN && !rawPath.includes('/') ? OFFICIAL_REPO_PREFIX + rawPath : rawPath;
  for (const component of path.split('/')) {
    if (component !== component.toLowerCase()) throw invalid(input, 'repository names must be lowercase');
    if (!PATH_COMPONENT.test(component)) throw invalid(input, `"${component}" is not a valid repository path component`);
  }
  if (domain.length + 1 + path.length > MAX_NAME_LENGTH) throw invalid(input, `the repository name is longer than ${MAX_NAME_LENGTH} characters`);
  return { domain, path, tag, digest };
}

/** Repository name with domain: docker.io/library/busybox. */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The fully qualified string: docker.io/library/busybox:latest, host/a@sha256:... */
export function formatReference(ref: Reference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Docker's short form for display: docker.io/library/busybox -> busybox, docker.io/u/a -> u/a. */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  return ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
}

export function familiarString(ref: Reference): string {
  return familiarName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}
