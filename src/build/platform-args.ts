/**
 * The build args BuildKit and buildah define without an ARG line in the global scope: the platform
 * the image is built for (TARGET*) and the one the build runs on (BUILD*), pure. FROM lines can
 * use them directly (`FROM --platform=$BUILDPLATFORM ...`); a stage sees one after `ARG TARGETARCH`.
 * A --build-arg of the same name wins, as it does for any global ARG.
 */
import { formatPlatform, hostPlatform, parsePlatform, type Platform } from '../oci/platform.js';

/** BuildKit's normalisation: arm64's v8 is the default variant and left out. */
function normalise(p: Platform): Platform {
  return p.architecture === 'arm64' && p.variant === 'v8' ? { os: p.os, architecture: p.architecture } : p;
}

export function platformArgs(target: string | undefined, build: Platform = hostPlatform()): Map<string, string> {
  const args = new Map<string, string>();
  const set = (prefix: 'TARGET' | 'BUILD', p: Platform): void => {
    const n = normalise(p);
    args.set(`${prefix}PLATFORM`, formatPlatform(n));
    args.set(`${prefix}OS`, n.os);
    args.set(`${prefix}ARCH`, n.architecture);
    args.set(`${prefix}VARIANT`, n.variant ?? '');
  };
  set('BUILD', build);
  set('TARGET', target !== undefined ? parsePlatform(target) : build);
  return args;
}
