/**
 * Finding the image a container is created from, pulling it by policy (`--pull`, compose's
 * `pull_policy`, kube's `imagePullPolicy`): the one rule every front door shares. A digest
 * reference leaves no name behind, so the container is created from the image ID.
 */
import { HullError, isHullError } from '../errors.js';
import type { ImageService } from '../images/image-service.js';
import type { PullOptions } from '../images/pull.js';
import { parseReference } from '../oci/reference.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export const PULL_POLICIES: readonly PullPolicy[] = ['missing', 'always', 'never'];

export interface EnsureImageOptions extends PullOptions {
  pull?: PullPolicy;
  /** Called before a pull that happens because the image is missing (docker's "Unable to find image"). */
  onMissing?: () => void;
}

/** Resolves to what to create from: the reference itself, or the image ID for a digest reference. */
export async function ensureImage(images: ImageService, reference: string, opts: EnsureImageOptions = {}): Promise<string> {
  const policy = opts.pull ?? 'missing';
  if (!PULL_POLICIES.includes(policy)) throw new HullError('INVALID_ARGUMENT', `Cannot use pull policy "${policy}"`, { hint: 'use missing, always or never' });
  let present = false;
  try {
    images.get(reference);
    present = true;
  } catch (err) {
    if (!isHullError(err, 'NOT_FOUND')) throw err;
  }
  if (present && policy !== 'always') return reference;
  if (!present && policy === 'never') throw new HullError('NOT_FOUND', `Cannot find image "${reference}": no such image, and the pull policy is "never"`, { hint: `pull it first ("hull pull ${reference}")` });
  if (!present) {
    parseReference(reference); // a malformed name fails as such before anything is said about pulling
    opts.onMissing?.();
  }
  const { record } = await images.pull(reference, opts);
  return reference.includes('@') ? record.id : reference;
}
