/**
 * Which xattrs overlay filesystems keep their own metadata in (overlayfs.rst "Whiteouts and opaque
 * directories", "User xattr"; fuse-overlayfs(1)). Setting a trusted.* xattr needs CAP_SYS_ADMIN in
 * the host's user namespace, so inside a rootless user namespace the kernel's overlay is mounted
 * with `userxattr` and keeps them as user.overlay.*; fuse-overlayfs reads both, and writes its own
 * user.fuseoverlayfs.* when trusted.* is refused.
 */
import { inUserNamespace } from './userns.js';

/** Every name an opaque directory may be marked with, in an upper or a lower directory. */
export const OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.overlay.opaque', 'user.fuseoverlayfs.opaque'] as const;

/** xattr prefixes that are an overlay's own metadata, never content: left out of diffs, refused in layers. */
export const OVERLAY_PRIVATE_XATTR = /^(trusted\.overlay\.|user\.overlay\.|user\.fuseoverlayfs\.)/;

let inside: boolean | undefined;

/** Whether overlay's metadata must live in user.* xattrs here (a process inside a user namespace). */
export function overlayUsesUserXattrs(): boolean {
  return (inside ??= inUserNamespace());
}

/** The xattr that marks a directory opaque in layers this process writes. */
export function opaqueXattr(): string {
  return overlayUsesUserXattrs() ? 'user.overlay.opaque' : 'trusted.overlay.opaque';
}
